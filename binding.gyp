# node-gyp build (npm install, prebuildify). CMakeLists.txt builds the same sources with the
# same flags for development and CI; test/build/sources.test.ts fails when the lists differ.
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
      "conditions": [["target_arch=='x64' or target_arch=='ia32'", {"cflags_cc": ["-mavx2", "-mfma"]}]]
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
      "conditions": [["target_arch=='x64' or target_arch=='ia32'", {
        "cflags_cc": ["-mavx2", "-mfma", "-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl"]
      }]]
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
      "cflags_cc": ["<@(nnkit_cflags)", "-fexceptions"]
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
      "ldflags": ["-Wl,--exclude-libs,ALL", "-static-libstdc++",
                  "-Wl,--version-script=<(module_root_dir)/native/binding/exports.map"]
    }
  ]
}
