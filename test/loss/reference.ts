/**
 * Float64 scalar references of every loss, written from the formulas of spec §5 (never from
 * nnkit's code). Each returns the summed loss and the gradient of the sum.
 */
export interface Ref {
  loss: number;
  grad: Float64Array;
}

type Scores = ArrayLike<number>;

export function svmRef(f: Scores, n: number, c: number, y: ArrayLike<number>, margin = 1, squared = false): Ref {
  const grad = new Float64Array(n * c);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const fy = f[i * c + y[i]!]!;
    for (let j = 0; j < c; j++) {
      if (j === y[i]) continue;
      const m = f[i * c + j]! - fy + margin;
      if (m > 0) {
        loss += squared ? m * m : m;
        const slope = squared ? 2 * m : 1;
        grad[i * c + j]! += slope;
        grad[i * c + y[i]!]! -= slope;
      }
    }
  }
  return { loss, grad };
}

export function softmaxRef(f: Scores, n: number, c: number, y: ArrayLike<number>): Ref {
  const grad = new Float64Array(n * c);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, f[i * c + j]!);
    let sum = 0;
    for (let j = 0; j < c; j++) sum += Math.exp(f[i * c + j]! - max);
    loss += Math.log(sum) + max - f[i * c + y[i]!]!;
    for (let j = 0; j < c; j++) grad[i * c + j] = Math.exp(f[i * c + j]! - max) / sum - (j === y[i] ? 1 : 0);
  }
  return { loss, grad };
}

export function multiLabelHingeRef(f: Scores, t: Scores): Ref {
  const grad = new Float64Array(f.length);
  let loss = 0;
  for (let i = 0; i < f.length; i++) {
    const y = t[i]! > 0 ? 1 : -1;  // 0/1 targets: 0 means absent, i.e. −1
    const m = 1 - y * f[i]!;
    if (m > 0) {
      loss += m;
      grad[i] = -y;
    }
  }
  return { loss, grad };
}

export function sigmoidCrossEntropyRef(f: Scores, t: Scores): Ref {
  const grad = new Float64Array(f.length);
  let loss = 0;
  for (let i = 0; i < f.length; i++) {
    const x = f[i]!, y = t[i]!;
    // −[y log σ(x) + (1 − y) log(1 − σ(x))], with log σ(x) = −log(1 + e^{−x}) evaluated stably.
    const logSigma = x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
    const logOneMinus = x >= 0 ? -x - Math.log1p(Math.exp(-x)) : -Math.log1p(Math.exp(x));
    loss += -(y * logSigma + (1 - y) * logOneMinus);
    grad[i] = 1 / (1 + Math.exp(-x)) - y;
  }
  return { loss, grad };
}

export function l2Ref(f: Scores, t: Scores): Ref {
  const grad = new Float64Array(f.length);
  let loss = 0;
  for (let i = 0; i < f.length; i++) {
    const d = f[i]! - t[i]!;
    loss += d * d;
    grad[i] = 2 * d;
  }
  return { loss, grad };
}

export function l1Ref(f: Scores, t: Scores): Ref {
  const grad = new Float64Array(f.length);
  let loss = 0;
  for (let i = 0; i < f.length; i++) {
    const d = f[i]! - t[i]!;
    loss += Math.abs(d);
    grad[i] = Math.sign(d);
  }
  return { loss, grad };
}

export function scaled(g: Float64Array, s: number): Float64Array {
  return g.map((v) => v * s);
}
