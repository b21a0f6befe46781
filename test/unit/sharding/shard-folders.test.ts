import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import type { ShardRecord } from '../../../src/contracts/shard-manifest.js'
import {
  listShardFolders,
  mergeJournals,
  readShardFolders,
} from '../../../src/output/shards/shard-folders.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'

const silent = { debug() {}, info() {}, warn() {}, error() {} }

function record(shard: number, overrides: Partial<ShardRecord> = {}): ShardRecord {
  return {
    schema_version: 1,
    stage: 'image-generation-v2',
    shard,
    shards: 3,
    folder_name: 'out/run',
    base_seed: 7,
    request: 'a'.repeat(64),
    jobs: [1, 2, 3].map((n) => ({
      number: n,
      kind: 'image' as const,
      model: 'imagen4-fast',
      seed: 6 + n,
      shard: n,
      price_usd: 0.02,
    })),
    manifest: true,
    rate_limits: {},
    ...overrides,
  }
}

describe('shard folders of a merge', () => {
  let ws: string
  beforeEach(async () => {
    ws = await tempWorkspace('kamui-shard-folders-')
  })
  afterEach(async () => removeDir(ws))

  async function shardFolder(name: string, rec: ShardRecord | null, journal?: string) {
    await mkdir(path.join(ws, name, 'metadata'), { recursive: true })
    if (rec) await writeFile(path.join(ws, name, 'metadata/shard.json'), JSON.stringify(rec))
    if (journal !== undefined)
      await writeFile(path.join(ws, name, 'metadata/journal.jsonl'), journal)
    return path.join(ws, name)
  }

  it('finds folders by glob and list, puts them in shard order and reports the missing one', async () => {
    await shardFolder('out/run-shard-3-of-3', record(3))
    await shardFolder('out/run-shard-1-of-3', record(1))
    await shardFolder('out/other', null)
    const folders = await listShardFolders(ws, 'out/run-shard-*\nout/other')
    expect(folders.map((f) => path.relative(ws, f))).toEqual([
      'out/other',
      'out/run-shard-1-of-3',
      'out/run-shard-3-of-3',
    ])
    // A glob names the folders it matches, not what is below them (metadata/).
    const suffixed = await listShardFolders(ws, 'out/run-shard-*-of-3')
    expect(suffixed.map((f) => path.relative(ws, f))).toEqual([
      'out/run-shard-1-of-3',
      'out/run-shard-3-of-3',
    ])
    const found = await readShardFolders(ws, folders, silent)
    expect(found.shards.map((s) => s.record.shard)).toEqual([1, 3])
    expect(found.missing).toEqual([2])
    expect(found.warnings.map((w) => w.message).join('\n')).toMatch(
      /out\/other is not a shard folder/,
    )
    expect(found.warnings.map((w) => w.message).join('\n')).toMatch(/shard 2\/3 is missing/)
    // Neither folder has a done marker: both are reported as not finished.
    expect(found.shards.every((s) => !s.complete)).toBe(true)
  })

  it('refuses shards of different runs (SHARD_001) and an empty selection (SHARD_002)', async () => {
    const a = await shardFolder('a', record(1))
    const b = await shardFolder('b', record(2, { base_seed: 8 }))
    await expect(readShardFolders(ws, [a, b], silent)).rejects.toMatchObject({ code: 'SHARD_001' })
    await expect(listShardFolders(ws, 'nothing-*')).rejects.toBeInstanceOf(KamuiError)
    const c = await shardFolder('c', null)
    await expect(readShardFolders(ws, [c], silent)).rejects.toMatchObject({ code: 'SHARD_002' })
  })

  it('merges the journals in shard order, whole lines only', async () => {
    const one = await shardFolder('s1', record(1), '{"a":1}\n{"a":2}\n')
    const two = await shardFolder('s2', record(2), '{"b":1}\n{"b":2, cut')
    const found = await readShardFolders(ws, [two, one], silent)
    const target = path.join(ws, 'merged')
    expect(await mergeJournals(found.shards, target)).toBe('metadata/journal.jsonl')
    expect(await readFile(path.join(target, 'metadata/journal.jsonl'), 'utf8')).toBe(
      '{"a":1}\n{"a":2}\n{"b":1}\n',
    )
  })
})
