import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { JOURNAL_FILE } from '../../../src/contracts/journal.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { RunJournal, parseJournal } from '../../../src/runner/journal.js'
import { sha256 } from '../../../src/runner/journal-key.js'

const KEY_A = sha256('a')
const KEY_B = sha256('b')
const handle = { provider: 'mcp' as const, server: 's', tools: ['t'], id: 'r1', workflow: null }

describe('a journal cut inside a line (issue 11)', () => {
  const dirs: string[] = []
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))

  async function cutJournal(): Promise<string> {
    const folder = await mkdtemp(path.join(tmpdir(), 'journal-cut-'))
    dirs.push(folder)
    const first = await RunJournal.open(folder, { resume: 'auto', logger: new MemoryLogger() })
    await first.append({ event: 'submitted', key: KEY_A, handle, resumed: false })
    await first.close()
    await appendFile(path.join(folder, JOURNAL_FILE), '{"v":1,"event":"completed","key":"')
    return folder
  }

  it('is read up to the last whole line with a warning, and the run resumes from it', async () => {
    const folder = await cutJournal()
    const logger = new MemoryLogger()
    const journal = await RunJournal.open(folder, { resume: 'auto', logger })
    expect(logger.lines.some((l) => l.level === 'warn' && /cut short/.test(l.message))).toBe(true)
    expect(journal.state(KEY_A)?.submitted?.id).toBe('r1')
    await journal.append({ event: 'submitted', key: KEY_B, handle, resumed: false })
    await journal.close()
    const read = parseJournal(await readFile(path.join(folder, JOURNAL_FILE), 'utf8'))
    expect(read.truncated).toBe(false)
    expect(read.lines.map((l) => ('key' in l ? l.key : ''))).toEqual([KEY_A, KEY_B])
  })

  it('two journals of one folder (the pipeline stages) both keep their lines when they cut it', async () => {
    const folder = await cutJournal()
    const options = { resume: 'auto' as const, logger: new MemoryLogger() }
    const one = await RunJournal.open(folder, options)
    const two = await RunJournal.open(folder, options)
    await one.append({ event: 'submitted', key: KEY_B, handle, resumed: false })
    await two.append({ event: 'failed', key: KEY_B, code: 'GEN_001', message: 'x', billed: null })
    await Promise.all([one.close(), two.close()])
    const read = parseJournal(await readFile(path.join(folder, JOURNAL_FILE), 'utf8'))
    expect(read.truncated).toBe(false)
    expect(read.invalid).toEqual([])
    expect(read.lines.map((l) => l.event)).toEqual(['submitted', 'submitted', 'failed'])
  })
})
