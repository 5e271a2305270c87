// The addon's entry point: one registration call per API area.
#include "common.h"

namespace {

Napi::Object init(Napi::Env env, Napi::Object exports) {
  nnkit::binding::register_errors(env, exports);
  nnkit::binding::register_runtime(env, exports);
  nnkit::binding::register_linalg(env, exports);
  nnkit::binding::register_rng(env, exports);
  nnkit::binding::register_preprocess(env, exports);
  nnkit::binding::register_optim(env, exports);
  nnkit::binding::register_data(env, exports);
  nnkit::binding::register_layers(env, exports);
  nnkit::binding::register_loss(env, exports);
  nnkit::binding::register_regularize(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(nnkit, init)
