# node-gyp build (npm install, prebuildify). CMakeLists.txt builds the same sources with the
# same flags for development and CI; test/build/sources.test.ts fails when the lists differ.
#
# On macOS gyp ignores cflags_cc and ldflags and compiles from xcode_settings instead: each
# target repeats its flags there (OTHER_CPLUSPLUSFLAGS), and the GNU-ld-only flags go unused.
# The settings sit in the targets, not in target_defaults, because node's common.gypi sets the
# same keys (exceptions off, gnu++17 or 20, its deployment target) in its target_defaults, which
# override ours there but not a target's own. The deployment target is 13.3 when Accelerate is
# linked (its BLAS/LAPACK interface starts there), else 10.15 (scripts/blas-config.js).
{
  "variables": {
    "nnkit_cflags": ["-O3", "-std=c++17", "-fvisibility=hidden", "-ffp-contract=off", "-fno-math-errno", "-fPIC"]
  },
  "targets": [
    {
      # One static library per SIMD target (gyp has no per-file flags): the target's own
      # kernels, then the *_simd.cc kernels of the vector layer (native/kernels/vec.h), compiled
      # once per target with its flags and NNKIT_VEC_<TARGET>. The only code built with -mavx*.
      "target_name": "nnkit_avx2",
      "type": "static_library",
      "sources": [
        "native/kernels/gemm_avx2.cc",
        "native/kernels/eigen_kernels_avx2.cc",
        "native/kernels/loss_lanes_avx2.cc",
        "native/kernels/rng_simd.cc",
        "native/kernels/stats_simd.cc",
        "native/kernels/optim_simd.cc",
        "native/kernels/layers_simd.cc",
        "native/kernels/batchnorm_simd.cc",
        "native/kernels/dropout_simd.cc",
        "native/kernels/regularize_simd.cc",
        "native/kernels/loss_simd.cc"
      ],
      "defines": ["NNKIT_VEC_AVX2=1"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["<@(nnkit_cflags)", "-fexceptions"],
      # The target's flags only on its architecture; elsewhere its units compile to accessors
      # that return nullptr (native/kernels/vec.h).
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", {"cflags_cc": ["-mavx2", "-mfma"]}],
        ["OS=='mac'", {
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "CLANG_CXX_LIBRARY": "libc++",
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "MACOSX_DEPLOYMENT_TARGET": "<!(node scripts/blas-config.js macos_min)",
            "OTHER_CPLUSPLUSFLAGS": ["<@(nnkit_cflags)"]
          }
        }],
        ["OS=='mac' and target_arch=='x64'", {"xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["-mavx2", "-mfma"]}}]
      ]
    },
    {
      "target_name": "nnkit_avx512",
      "type": "static_library",
      "sources": [
        "native/kernels/gemm_avx512.cc",
        "native/kernels/rng_simd.cc",
        "native/kernels/stats_simd.cc",
        "native/kernels/optim_simd.cc",
        "native/kernels/layers_simd.cc",
        "native/kernels/batchnorm_simd.cc",
        "native/kernels/dropout_simd.cc",
        "native/kernels/regularize_simd.cc",
        "native/kernels/loss_simd.cc"
      ],
      "defines": ["NNKIT_VEC_AVX512=1"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["<@(nnkit_cflags)", "-fexceptions"],
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", {
          "cflags_cc": ["-mavx2", "-mfma", "-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl"]
        }],
        ["OS=='mac'", {
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "CLANG_CXX_LIBRARY": "libc++",
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "MACOSX_DEPLOYMENT_TARGET": "<!(node scripts/blas-config.js macos_min)",
            "OTHER_CPLUSPLUSFLAGS": ["<@(nnkit_cflags)"]
          }
        }],
        ["OS=='mac' and target_arch=='x64'", {
          "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["-mavx2", "-mfma", "-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl"]}
        }]
      ]
    },
    {
      # NEON (arm64): Advanced SIMD is part of every AArch64 CPU, so no flag is needed.
      "target_name": "nnkit_neon",
      "type": "static_library",
      "sources": [
        "native/kernels/gemm_neon.cc",
        "native/kernels/rng_simd.cc",
        "native/kernels/stats_simd.cc",
        "native/kernels/optim_simd.cc",
        "native/kernels/layers_simd.cc",
        "native/kernels/batchnorm_simd.cc",
        "native/kernels/dropout_simd.cc",
        "native/kernels/regularize_simd.cc",
        "native/kernels/loss_simd.cc"
      ],
      "defines": ["NNKIT_VEC_NEON=1"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["<@(nnkit_cflags)", "-fexceptions"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "CLANG_CXX_LIBRARY": "libc++",
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "MACOSX_DEPLOYMENT_TARGET": "<!(node scripts/blas-config.js macos_min)",
            "OTHER_CPLUSPLUSFLAGS": ["<@(nnkit_cflags)"]
          }
        }]
      ]
    },
    {
      "target_name": "nnkit",
      "dependencies": [
        "nnkit_avx2",
        "nnkit_avx512",
        "nnkit_neon"
      ],
      "sources": [
        "native/kernels/cpu.cc",
        "native/kernels/parallel.cc",
        "native/kernels/memory.cc",
        "native/kernels/gemm.cc",
        "native/kernels/rng.cc",
        "native/kernels/stats.cc",
        "native/kernels/optim.cc",
        "native/kernels/data.cc",
        "native/kernels/eigen_kernels.cc",
        "native/kernels/layers.cc",
        "native/kernels/batchnorm.cc",
        "native/kernels/dropout.cc",
        "native/kernels/loss.cc",
        "native/kernels/regularize.cc",
        "native/linalg/blas.cc",
        "native/linalg/gfortran_shim.cc",
        "native/linalg/lapack.cc",
        "native/linalg/eigen.cc",
        "native/linalg/svd.cc",
        "native/linalg/covariance.cc",
        "native/binding/common.cc",
        "native/binding/runtime.cc",
        "native/binding/linalg.cc",
        "native/binding/rng.cc",
        "native/binding/optim.cc",
        "native/binding/data.cc",
        "native/binding/layers.cc",
        "native/binding/loss.cc",
        "native/binding/regularize.cc",
        "native/binding/preprocess.cc",
        "native/binding/addon.cc",
        "native/binding/glibc_compat.cc"
      ],
      "defines": [
        "NAPI_VERSION=8",
        # What node-addon-api's node_addon_api_except target would add. Depending on that target
        # instead makes gyp write its makefiles into a node-addon-api/ folder next to build/,
        # which a from-source install then leaves in node_modules/nnkit.
        "NAPI_CPP_EXCEPTIONS",
        "NNKIT_VERSION=\"<!(node -p \"require('./package.json').version\")\"",
        "<!@(node scripts/blas-config.js defines)"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "<!@(node scripts/blas-config.js include_dirs)"],
      "libraries": ["<!@(node scripts/blas-config.js libraries)"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["<@(nnkit_cflags)", "-fexceptions"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "CLANG_CXX_LIBRARY": "libc++",
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "MACOSX_DEPLOYMENT_TARGET": "<!(node scripts/blas-config.js macos_min)",
            "OTHER_CPLUSPLUSFLAGS": ["<@(nnkit_cflags)"]
          }
        }],
        # Apple's ld has no version scripts: the same two entry points by name (Mach-O names
        # carry a leading underscore). libc++ is the system's there: no static runtime to hide.
        ["OS=='mac'", {
          "xcode_settings": {
            "OTHER_LDFLAGS": ["-Wl,-exported_symbol,_napi_register_module_v1",
                              "-Wl,-exported_symbol,_node_api_module_get_api_version_v1"]
          }
        }]
      ],
      "ldflags": ["-Wl,--exclude-libs,ALL", "-static-libstdc++",
                  "-Wl,--version-script=<(module_root_dir)/native/binding/exports.map"]
    }
  ]
}
