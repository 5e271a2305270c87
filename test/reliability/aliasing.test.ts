/**
 * Integer inputs that index memory (class labels, label-tree paths) against outputs that overlap
 * them or change under a running call. Both crashed the process before the loss bindings copied
 * labels and paths and validated the copies (native/binding/loss.cc).
 */
import { describe, expect, it } from 'vitest';
import * as nn from '../../lib/index';
import { native } from '../../lib/native';
import { runChild } from './run-child';

const alias = expect.objectContaining({ code: 'ERR_NNKIT_ALIAS' });

describe('outputs over integer index inputs', () => {
  const N = 64, C = 5;
  function labelsWithRoom(bytes: number): Int32Array {
    const labels = new Int32Array(new ArrayBuffer(N * 4 + bytes), 0, N);
    for (let i = 0; i < N; i++) labels[i] = i % C;
    return labels;
  }
  const scores = nn.matrix(new Float32Array(N * C).map((_, i) => Math.sin(i)), N, C);

  it('a gradient over the labels is ERR_NNKIT_ALIAS (svm, softmax, raw native), not a write through float-valued labels', () => {
    for (const shift of [0, 4, 8, 60]) {
      const labels = labelsWithRoom(N * C * 4 + 64);
      const grad = new Float32Array(labels.buffer, shift, N * C);
      expect(() => nn.loss.svm(scores, labels, { grad })).toThrow(alias);
      expect(() => nn.loss.softmax(scores, labels, { grad })).toThrow(alias);
      expect(() => native.lossSvm(scores.data, N, C, labels, 1, false, 1, grad)).toThrow(alias);
      expect(() => native.lossSoftmax(scores.data, N, C, new Uint8Array(labels.buffer, 0, N), 1, grad)).toThrow(alias);
    }
    // a gradient right after the labels is fine
    const labels = labelsWithRoom(N * C * 4);
    const grad = new Float32Array(labels.buffer, N * 4, N * C);
    expect(Number.isFinite(nn.loss.softmax(scores, labels, { grad }).loss)).toBe(true);
  });

  it('dH/dV/out over the labels or the tree paths is ERR_NNKIT_ALIAS', () => {
    const tree = nn.LabelTree.balanced(C);
    const d = 3;
    const H = nn.matrix(new Float32Array(N * d).fill(0.5), N, d);
    const V = nn.matrix(new Float32Array((C - 1) * d).fill(0.25), C - 1, d);
    const labels = labelsWithRoom(N * d * 4);
    expect(() => nn.loss.hierarchicalSoftmax(H, labels, tree, V, { dH: new Float32Array(labels.buffer, 0, N * d) })).toThrow(alias);
    // raw native: dH carved out of a copy of the tree's node array
    const nodesBuffer = new ArrayBuffer(tree.nodes.byteLength + N * d * 4);
    const nodes = new Uint32Array(nodesBuffer, 0, tree.nodes.length);
    nodes.set(tree.nodes);
    const dH = new Float32Array(nodesBuffer, 0, N * d);
    expect(() => native.lossHierarchicalSoftmax(H.data, N, d, labels, tree.offsets, nodes, tree.bits, tree.internalNodes, V.data, 1, dH, null)).toThrow(alias);
    const offsetsBuffer = new ArrayBuffer(tree.offsets.byteLength + N * C * 4);
    const offsets = new Uint32Array(offsetsBuffer, 0, tree.offsets.length);
    offsets.set(tree.offsets);
    expect(() => native.hierarchicalLogProbabilities(H.data, N, d, offsets, tree.nodes, tree.bits, tree.internalNodes, V.data, new Float32Array(offsetsBuffer, 0, N * C))).toThrow(alias);
  });

  it('labels in a SharedArrayBuffer corrupted by another thread during calls: every call returns or throws ERR_NNKIT_RANGE', () => {
    const r = runChild<{ calls: number; returned: number; rejected: number; other: string[] }>('label-race-child.ts', [], { RACE_MS: '3000' });
    expect({ status: r.status, signal: r.signal, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(r.report!.other).toEqual([]);
    expect(r.report!.calls).toBeGreaterThan(10);
    expect(r.report!.returned + r.report!.rejected).toBe(r.report!.calls);
    console.log(`label race: ${r.report!.calls} calls, ${r.report!.returned} returned, ${r.report!.rejected} rejected`);
  });
});
