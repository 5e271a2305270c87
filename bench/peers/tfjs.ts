/**
 * TensorFlow.js with its WebAssembly backend, the Node peer that installs from npm without a
 * download step (`@tensorflow/tfjs-node` fetches a binary at install time and cannot install
 * offline). Loaded once, lazily.
 */
type Tf = typeof import('@tensorflow/tfjs');

let loading: Promise<Tf> | null = null;

export function tfjsWasm(): Promise<Tf> {
  loading ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    await import('@tensorflow/tfjs-backend-wasm');
    // tfjs announces that tfjs-node would be faster; the benchmark wants exactly this backend.
    const warn = console.warn, log = console.log;
    console.warn = console.log = () => {};
    try {
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialize');
      await tf.ready();
    } finally {
      console.warn = warn;
      console.log = log;
    }
    return tf;
  })();
  return loading;
}
