/**
 * Fitting Standardizer → PCA across machines on a real job queue: BullMQ on Redis.
 *
 * The coordinator splits a .npy file into row shards and queues one job per shard and stage.
 * Any number of workers, on any machines that reach Redis and the file (shared storage, or a
 * copy at the same path), take jobs, fit their shard (`partialFit` over `nn.io.rows` with a row
 * range) and return the partial state (`toJSON`); the coordinator merges the partial states
 * (Chan's update: the result equals one fit over all rows). Stage 1 (PCA) runs on standardized
 * rows, so its jobs carry the merged Standardizer of stage 0.
 *
 * What moves over the network per shard: the job (a path, a row range; stage 1 adds the
 * Standardizer: 2·D float64) and the result (a Standardizer: count + 2·D float64; a PCA: count +
 * D + D² float64). Never the rows.
 *
 * Failures: a job's id is its run, stage and shard, so a shard is queued once and merged once.
 * A worker that dies mid-shard stops renewing its job's lock; BullMQ then moves the job back to
 * the queue ("stalled") and another worker fits the shard from its start — partial work is never
 * returned, so nothing is lost or counted twice. A job that throws is retried (3 attempts).
 *
 *   redis-server &                                            (or any Redis the machines reach)
 *   npx tsx examples/distributedFit.ts worker --redis redis://host:6379          (on each machine)
 *   npx tsx examples/distributedFit.ts coordinator --redis redis://host:6379 --file data.npy --shard 50000 --save pipeline.json
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type ConnectionOptions, type Job, Queue, QueueEvents, Worker } from 'bullmq';
import * as nn from '../lib/index';

const QUEUE = 'nnkit-fit';

/** A shard job: rows [from, to) of `file`, for one stage. */
export interface ShardJob {
  run: string;
  stage: 0 | 1;
  file: string;
  from: number;
  to: number;
  batch: number;
  components: number;
  /** Stage 1: the merged Standardizer of stage 0 (its saved document). */
  scaler?: nn.SavedDocument;
}

function connectionOf(url: string): ConnectionOptions {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379), maxRetriesPerRequest: null };
}

/** What a worker does with one shard: its partial fit, saved with its state. */
export async function fitShard(job: ShardJob): Promise<nn.SavedDocument> {
  if (job.stage === 0) {
    const scaler = new nn.Standardizer();
    for await (const batch of nn.io.rows(job.file, { batchSize: job.batch, from: job.from, to: job.to })) scaler.partialFit(batch);
    return scaler.toJSON();
  }
  const scaler = nn.Standardizer.fromJSON(job.scaler);
  const pca = new nn.PCA({ components: job.components, solver: 'exact' });
  for await (const batch of nn.io.rows(job.file, { batchSize: job.batch, from: job.from, to: job.to }))
    pca.partialFit(scaler.transform(batch, { inPlace: true }));
  return pca.toJSON({ includeState: true });
}

/**
 * A worker: takes shard jobs until closed. The lock is renewed every lockDuration / 2 while a
 * shard is being fitted; a worker that stops (killed, machine lost) lets the lock expire, and
 * the stalled-job check of the remaining workers puts the job back in the queue.
 */
export function startWorker(redis: string, opts: { lockDuration?: number; onJob?: (job: Job<ShardJob>) => Promise<void> | void } = {}): Worker<ShardJob> {
  const lockDuration = opts.lockDuration ?? 30_000;
  return new Worker<ShardJob, nn.SavedDocument>(QUEUE, async (job) => {
    await opts.onJob?.(job);
    return fitShard(job.data);
  }, { connection: connectionOf(redis), concurrency: 1, lockDuration, stalledInterval: Math.max(500, lockDuration / 2), maxStalledCount: 5 });
}

/** Queues the shards of one stage and waits for every result; returns them in shard order. */
async function runStage(queue: Queue, events: QueueEvents, jobs: ShardJob[], log: (line: string) => void): Promise<nn.SavedDocument[]> {
  const added = await Promise.all(jobs.map((data) => queue.add(`stage${data.stage}`, data, {
    jobId: `${data.run}-s${data.stage}-${data.from}-${data.to}`, // idempotent: re-adding a shard is a no-op
    attempts: 3, backoff: { type: 'fixed', delay: 500 }, removeOnComplete: false, removeOnFail: false,
  })));
  let done = 0;
  return Promise.all(added.map(async (job) => {
    const result = (await job.waitUntilFinished(events)) as nn.SavedDocument;
    log(`  stage ${jobs[0]!.stage}: shard ${job.data.from}–${job.data.to} done (${++done}/${added.length})`);
    return result;
  }));
}

/** The coordinator: shards, queues, merges; returns the fitted Pipeline. */
export async function coordinate(redis: string, opts: { file: string; shard: number; batch?: number; components: number; log?: (line: string) => void }): Promise<nn.Pipeline> {
  const log = opts.log ?? (() => {});
  const connection = connectionOf(redis);
  const queue = new Queue<ShardJob>(QUEUE, { connection });
  const events = new QueueEvents(QUEUE, { connection });
  try {
    await events.waitUntilReady();
    const { rows } = await nn.io.npyHeader(opts.file);
    const run = `run-${Date.now().toString(36)}-${process.pid}`;
    const ranges: [number, number][] = [];
    for (let from = 0; from < rows; from += opts.shard) ranges.push([from, Math.min(rows, from + opts.shard)]);
    const base = { run, file: opts.file, batch: opts.batch ?? 8192, components: opts.components };
    log(`${rows} rows in ${ranges.length} shards`);
    const parts0 = await runStage(queue, events, ranges.map(([from, to]) => ({ ...base, stage: 0 as const, from, to })), log);
    const scaler = nn.Standardizer.fromJSON(parts0[0]);
    for (const p of parts0.slice(1)) scaler.merge(nn.Standardizer.fromJSON(p));
    const parts1 = await runStage(queue, events, ranges.map(([from, to]) => ({ ...base, stage: 1 as const, from, to, scaler: scaler.toJSON() })), log);
    const pca = nn.PCA.fromJSON(parts1[0]);
    for (const p of parts1.slice(1)) pca.merge(nn.PCA.fromJSON(p));
    return new nn.Pipeline([scaler, pca]);
  } finally {
    await events.close();
    await queue.close();
  }
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      redis: { type: 'string', default: 'redis://127.0.0.1:6379' }, file: { type: 'string' }, shard: { type: 'string', default: '50000' },
      batch: { type: 'string', default: '8192' }, components: { type: 'string', default: '50' }, save: { type: 'string' },
      'lock-ms': { type: 'string', default: '30000' }, json: { type: 'boolean', default: false },
    },
  });
  if (positionals[0] === 'worker') {
    const worker = startWorker(values.redis, { lockDuration: Number(values['lock-ms']) });
    const stop = () => void worker.close().then(() => process.exit(0));
    process.on('SIGINT', stop).on('SIGTERM', stop);
    console.log(`worker ${process.pid} waiting for jobs on ${values.redis}`);
    return;
  }
  if (positionals[0] !== 'coordinator' || !values.file) throw new Error('usage: distributedFit.ts worker|coordinator --redis URL [--file data.npy --shard N --components K --save out.json]');
  const pipeline = await coordinate(values.redis, {
    file: values.file, shard: Number(values.shard), batch: Number(values.batch), components: Number(values.components),
    log: values.json ? undefined : (line) => console.log(line),
  });
  if (values.save) writeFileSync(values.save, JSON.stringify(pipeline));
  if (values.json) console.log(JSON.stringify(pipeline.toJSON()));
  else console.log(`fitted: ${(pipeline.steps[0] as nn.Standardizer).count} rows`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(String(e));
    process.exit(1);
  });
}
