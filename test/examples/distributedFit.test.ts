/**
 * Issue 18, item 3: Standardizer → PCA fitted by three workers on a BullMQ queue (Debian's
 * redis-server on loopback), one killed in the middle of a shard: the shard is fitted again by
 * another worker, nothing is lost or counted twice, and the merged fit equals the
 * single-process streaming fit.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { coordinate } from '../../examples/distributedFit';
import { fitLarge, makeNpy } from '../../examples/fitLarge';
import * as nn from '../../lib/index';

const root = path.join(__dirname, '..', '..');
const haveRedis = spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status === 0;
if (!haveRedis) console.log('distributedFit: skipped (no redis-server: apt-get install redis-server)');

const dir = mkdtempSync(path.join(tmpdir(), 'nnkit-dist-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function startRedis(): { port: number; proc: ChildProcess } {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  children.push(proc);
  return { port, proc };
}

async function waitFor(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.runIf(haveRedis)('fitting across worker processes on BullMQ (examples/distributedFit.ts)', () => {
  it('survives a worker killed mid-shard and merges to the single-process fit', async () => {
    const { port } = startRedis();
    const redis = `redis://127.0.0.1:${port}`;
    await waitFor('redis', () => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG');
    const file = path.join(dir, 'data.npy'), rows = 24_000, cols = 48;
    makeNpy(file, rows, cols, 11);
    const markers = path.join(dir, 'markers');
    mkdirSync(markers);
    // Each worker marks the shards it starts (pid and job id) and takes 300 ms longer per shard,
    // so that a kill lands in the middle of one.
    const program = (i: number) => `
      const { writeFileSync } = require('node:fs');
      const { startWorker } = require(${JSON.stringify(path.join(root, 'examples', 'distributedFit.ts'))});
      startWorker(${JSON.stringify(redis)}, { lockDuration: 1500, onJob: async (job) => {
        writeFileSync(${JSON.stringify(markers)} + '/' + process.pid + '_' + job.id + '_' + job.attemptsStarted, '');
        await new Promise((r) => setTimeout(r, 300));
      } });
      process.stdout.write('ready ${i}\\n');`;
    const workers = [0, 1, 2].map((i) => {
      const w = spawn(process.execPath, ['--import', 'tsx', '-e', program(i)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(w);
      return w;
    });
    await Promise.all(workers.map((w) => new Promise((r) => w.stdout!.once('data', r))));

    const fitting = coordinate(redis, { file, shard: 3000, batch: 1000, components: 6 });
    // Kill the first worker that starts a shard, while it is fitting it.
    await waitFor('a shard to start', () => readdirSync(markers).length > 0);
    const victimPid = Number(readdirSync(markers)[0]!.split('_')[0]);
    const victim = workers.find((w) => w.pid === victimPid)!;
    victim.kill('SIGKILL');
    const pipeline = await fitting;

    // The killed worker's shard was started again by another worker.
    const started = readdirSync(markers).map((m) => m.split('_'));
    const victimJobs = started.filter(([pid]) => Number(pid) === victimPid).map(([, job]) => job);
    expect(victimJobs.length).toBeGreaterThan(0);
    for (const job of victimJobs) expect(started.some(([pid, j]) => j === job && Number(pid) !== victimPid), `job ${job} redone`).toBe(true);

    // Nothing lost or counted twice, and the same fit as one process streaming the file.
    const [scaler, pca] = pipeline.steps as [nn.Standardizer, nn.PCA];
    expect(scaler.count).toBe(rows);
    const single = (await fitLarge(file, { batch: 1000, components: 6 })).pipeline;
    const [s1] = single.steps as [nn.Standardizer];
    for (let j = 0; j < cols; j++) {
      expect(Math.abs(scaler.mean[j]! - s1.mean[j]!)).toBeLessThanOrEqual(1e-6 * Math.abs(s1.mean[j]!));
      expect(Math.abs(scaler.std[j]! - s1.std[j]!)).toBeLessThanOrEqual(1e-6 * s1.std[j]!);
    }
    const sample = nn.io.readNpy(file);
    const a = pipeline.transform(nn.data.gather(sample, Array.from({ length: 300 }, (_, i) => i * 79)));
    const b = single.transform(nn.data.gather(sample, Array.from({ length: 300 }, (_, i) => i * 79)));
    for (let i = 0; i < a.data.length; i++) expect(Math.abs(Math.abs(a.data[i]!) - Math.abs(b.data[i]!))).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(b.data[i]!)));
    expect(pca.fitted).toBe(true);
    expect(existsSync(file)).toBe(true);
  }, 90_000);
});
