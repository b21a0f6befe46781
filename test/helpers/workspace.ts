import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

/** A fresh temporary workspace folder. */
export async function tempWorkspace(prefix = 'kamui-ws-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix))
}

/** Every file below `dir`, as paths relative to it, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort()
}

/** Whether any file below `dir` contains `needle` (bytes compared, binary files included). */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = []
  for (const file of await listFiles(dir)) {
    const bytes = await readFile(path.join(dir, file))
    if (bytes.includes(Buffer.from(needle))) hits.push(file)
  }
  return hits
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}
