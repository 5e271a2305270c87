/**
 * File helpers shared by the readers and writers (weights files, .npy): whole-or-nothing writes
 * and bounded whole-file reads.
 */
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { Received, typeError } from './errors';
import { allocate } from './matrix';
import { formatError } from './preprocess/serialize';

/** Largest file read whole (one Buffer). */
export const MAX_FILE_BYTES = 2 ** 32 - 1;

export function checkPath(path: unknown, name = 'path'): asserts path is string {
  if (typeof path !== 'string' || path.length === 0) typeError(name, 'a file path (a non-empty string)', path);
}

let writes = 0;
/** A temporary name beside `path`: written whole, then renamed over it. */
function tempPath(path: string): string {
  return `${path}.${process.pid}.${(writes++).toString(36)}.tmp`;
}

/** Writes `bytes` to `path` under a temporary name and renames it into place: an existing file is replaced whole or not at all. */
export function writeWhole(path: string, bytes: Uint8Array): void {
  const tmp = tempPath(path);
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** {@link writeWhole} without blocking the event loop. */
export async function writeWholeAsync(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = tempPath(path);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

function tooLarge(path: string, size: number): never {
  return formatError(path, `a file of at most ${MAX_FILE_BYTES} bytes to read whole`, new Received(`${size} bytes`));
}

/** The whole file (Node's ENOENT etc. for a missing one; ERR_NNKIT_FORMAT above MAX_FILE_BYTES). */
export function readWhole(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_FILE_BYTES) tooLarge(path, size);
    const bytes = allocate(Uint8Array, size, path, 'bytes');
    let read = 0;
    while (read < size) {
      const got = readSync(fd, bytes, read, size - read, read);
      if (got === 0) break;
      read += got;
    }
    return bytes.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** {@link readWhole} without blocking the event loop. */
export async function readWholeAsync(path: string): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    if (size > MAX_FILE_BYTES) tooLarge(path, size);
    const bytes = allocate(Uint8Array, size, path, 'bytes');
    let read = 0;
    while (read < size) {
      const { bytesRead } = await file.read(bytes, read, size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return bytes.subarray(0, read);
  } finally {
    await file.close();
  }
}
