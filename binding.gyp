# node-gyp build (npm install, prebuildify). CMakeLists.txt builds the same sources with the
# same flags for development and CI; test/build/sources.test.ts fails when the lists differ.
{
  "variables": {
    "nnkit_cflags": ["-O3", "-std=c++17", "-fvisibility=hidden", "-ffp-contract=off", "-fno-math-errno", "-fPIC"]
  },
  "targets": [
    {
      # The AVX2/FMA kernels, the only code compiled with -mavx2 -mfma (gyp has no per-file
      # flags, hence a library of their own).
      "target_name": "nnkit_avx2",
      "type": "static_library",
      "sources": [
        "native/kernels/gemm_avx2.cc",
        "native/kernels/rng_avx2.cc",
        "native/kernels/stats_avx2.cc",
        "native/kernels/optim_avx2.cc",
        "native/kernels/eigen_kernels_avx2.cc",
        "native/kernels/layers_avx2.cc",
        "native/kernels/batchnorm_avx2.cc",
        "native/kernels/dropout_avx2.cc",
        "native/kernels/loss_avx2.cc",
        "native/kernels/regularize_avx2.cc"
      ],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["<@(nnkit_cflags)", "-fexceptions", "-mavx2", "-mfma"]
    },
    {
      # The AVX-512 kernels (F/BW/DQ/VL), the only code compiled with -mavx512*.
      "target_name": "nnkit_avx512",
      "type": "static_library",
      "sources": [
        "native/kernels/gemm_avx512.cc"
      ],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["<@(nnkit_cflags)", "-fexceptions", "-mavx2", "-mfma", "-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl"]
    },
    {
      "target_name": "nnkit",
      "dependencies": [
        "nnkit_avx2",
        "nnkit_avx512",
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      "sources": [
        "native/kernels/cpu.cc",
        "native/kernels/parallel.cc",
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
        "native/binding/addon.cc"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NNKIT_VERSION=\"<!(node -p \"require('./package.json').version\")\"",
        "<!@(node scripts/blas-config.js defines)"
      ],
      "include_dirs": ["<!@(node scripts/blas-config.js include_dirs)"],
      "libraries": ["<!@(node scripts/blas-config.js libraries)"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["<@(nnkit_cflags)", "-fexceptions"],
      "ldflags": ["-Wl,--exclude-libs,ALL", "-static-libstdc++", "-static-libgcc",
                  "-Wl,--version-script=<(module_root_dir)/native/binding/exports.map"]
    }
  ]
}
