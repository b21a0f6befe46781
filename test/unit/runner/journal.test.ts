import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { JOURNAL_FILE, JournalLineSchema } from '../../../src/contracts/journal.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import type { ModelJob } from '../../../src/providers/kinds/job.js'
import { RunJournal, parseJournal } from '../../../src/runner/journal.js'
import { canonicalJson, jobKey, sha256 } from '../../../src/runner/journal-key.js'
import { runJournaled, type StartedJob } from '../../../src/runner/journal-run.js'
import { latencyModelKey } from '../../../src/runner/model-latency.js'

const folders: string[] = []
afterEach(async () => {
  await Promise.all(folders.splice(0).map((f) => rm(f, { recursive: true, force: true })))
})
async function folder(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'journal-'))
  folders.push(dir)
  return dir
}

const job = (args: Record<string, unknown>): ModelJob => ({
  provider: 'mcp',
  label: 'imagen4-fast',
  call: { type: 'async', submit: 'a_submit', status: 'a_status', result: 'a_result' },
  args,
  answer: 'media',
})

describe('job key', () => {
  it('is the same for the same job whatever the key order, and differs with any argument', () => {
    expect(jobKey(job({ prompt: 'p', seed: 1 }))).toBe(jobKey(job({ seed: 1, prompt: 'p' })))
    expect(jobKey(job({ prompt: 'p', seed: 1 }))).not.toBe(jobKey(job({ prompt: 'p', seed: 2 })))
    expect(jobKey(job({ prompt: 'p' }))).toMatch(/^[0-9a-f]{64}$/)
  })

  it('enters an input file by the sha256 of its bytes', () => {
    const bytes = new Uint8Array([1, 2, 3])
    expect(canonicalJson({ b: bytes, a: 1 })).toBe(`{"a":1,"b":{"sha256":"${sha256(bytes)}"}}`)
    expect(jobKey(job({ image: new Uint8Array([1]) }))).not.toBe(
      jobKey(job({ image: new Uint8Array([2]) })),
    )
  })
})

describe('RunJournal', () => {
  it('appends schema-valid lines, one per event, and reads them back on reopen', async () => {
    const dir = await folder()
    const logger = new MemoryLogger()
    const journal = await RunJournal.open(dir, { resume: 'auto', logger })
    const key = sha256('k')
    await journal.append({ event: 'run', stage: 's', request: sha256('r'), seed: 42 })
    await journal.append({
      event: 'submitted',
      key,
      handle: { provider: 'mcp', server: 'srv', tools: ['a'], id: 'req-1', workflow: null },
      resumed: false,
    })
    await journal.recordOutput(key, 'images/x.png', Buffer.from('png'))
    await journal.close()

    const text = await readFile(path.join(dir, JOURNAL_FILE), 'utf8')
    const lines = text.trimEnd().split('\n')
    expect(lines).toHaveLength(3)
    for (const line of lines) JournalLineSchema.parse(JSON.parse(line))

    const again = await RunJournal.open(dir, { resume: 'auto', logger })
    expect(again.seedOf(sha256('r'))).toBe(42)
    expect(again.state(key)?.submitted?.id).toBe('req-1')
    expect(again.state(key)?.output?.sha256).toBe(sha256('png'))
    await again.close()
  })

  it('hands the ready windows of completed jobs to the next run, per server and first tool', async () => {
    const dir = await folder()
    const logger = new MemoryLogger()
    const journal = await RunJournal.open(dir, { resume: 'auto', logger })
    const handle = (server: string, tools: string[]) =>
      ({ provider: 'mcp', server, tools, id: 'r', workflow: null }) as const
    const completed = { urls: [], media_sha256: [], generation_ms: 3100, download_ms: null }
    await journal.append({
      event: 'completed',
      key: sha256('a'),
      handle: handle('srv', ['m_submit', 'm_status', 'm_result']),
      ...completed,
      ready_after_ms: 2800,
      ready_by_ms: 3020,
    })
    // An older line without the window (a sync call, a resumed job) teaches nothing.
    await journal.append({
      event: 'completed',
      key: sha256('b'),
      handle: handle('srv', ['m_submit', 'm_status', 'm_result']),
      ...completed,
    })
    await journal.close()

    const again = await RunJournal.open(dir, { resume: 'auto', logger })
    expect(again.readyWindows()).toEqual([
      { model: latencyModelKey('srv', 'm_submit'), afterMs: 2800, byMs: 3020 },
    ])
    await again.close()
    const fresh = await RunJournal.open(dir, { resume: 'false', logger })
    expect(fresh.readyWindows()).toEqual([])
    await fresh.close()
  })

  it('reuses an output only when the file is present with the journalled sha256', async () => {
    const dir = await folder()
    const logger = new MemoryLogger()
    const journal = await RunJournal.open(dir, { resume: 'auto', logger })
    const key = sha256('k')
    await writeFile(path.join(dir, 'out.png'), 'good')
    await journal.recordOutput(key, 'out.png', Buffer.from('good'))
    expect((await journal.reusable(key))?.bytes.toString()).toBe('good')
    await writeFile(path.join(dir, 'out.png'), 'changed')
    expect(await journal.reusable(key)).toBeUndefined()
    await rm(path.join(dir, 'out.png'))
    expect(await journal.reusable(key)).toBeUndefined()
    await journal.close()
  })

  it('reads a journal cut in the middle of a line up to the last whole line, with a warning', async () => {
    const dir = await folder()
    const logger = new MemoryLogger()
    const journal = await RunJournal.open(dir, { resume: 'auto', logger })
    await journal.append({ event: 'run', stage: 's', request: sha256('r'), seed: 7 })
    await journal.close()
    await appendFile(path.join(dir, JOURNAL_FILE), '{"v":1,"event":"subm')

    const read = parseJournal(await readFile(path.join(dir, JOURNAL_FILE), 'utf8'))
    expect(read).toMatchObject({ truncated: true, invalid: [] })
    expect(read.lines).toHaveLength(1)

    const reopened = await RunJournal.open(dir, { resume: 'auto', logger })
    expect(reopened.seedOf(sha256('r'))).toBe(7)
    expect(
      logger.lines
        .filter((l) => l.level === 'warn')
        .map((l) => l.message)
        .join('\n'),
    ).toMatch(/cut short/)
    await reopened.append({ event: 'run', stage: 's', request: sha256('r2'), seed: 8 })
    await reopened.close()
    // The fragment was cut off: the journal holds whole valid lines only.
    const after = parseJournal(await readFile(path.join(dir, JOURNAL_FILE), 'utf8'))
    expect(after.lines).toHaveLength(2)
    expect(after).toMatchObject({ truncated: false, invalid: [] })
  })

  it('with resume false reads nothing from an earlier run', async () => {
    const dir = await folder()
    const logger = new MemoryLogger()
    const first = await RunJournal.open(dir, { resume: 'auto', logger })
    await first.append({ event: 'run', stage: 's', request: sha256('r'), seed: 7 })
    await first.close()
    const second = await RunJournal.open(dir, { resume: 'false', logger })
    expect(second.seedOf(sha256('r'))).toBeUndefined()
    await second.close()
  })
})

describe('runJournaled', () => {
  const started = (id: string): StartedJob => ({
    handle: { provider: 'mcp', server: 'srv', tools: ['a_submit'], id, workflow: null },
    wait: () =>
      Promise.resolve({
        handle: { provider: 'mcp', server: 'srv', tools: ['a_submit'], id, workflow: null },
        media: [{ source: 'image', url: 'https://example.test/x.png' }],
        text: '',
        structured: undefined,
        accepted: [],
        generationMs: 5,
        downloadMs: null,
        gpuMemory: null,
      }),
    close: () => undefined,
  })

  it('warns that a job planned but never journalled as submitted may be billed twice', async () => {
    const dir = await folder()
    const logger = new MemoryLogger()
    const first = await RunJournal.open(dir, { resume: 'auto', logger })
    const theJob = job({ prompt: 'p', seed: 3 })
    await first.append({
      event: 'planned',
      key: jobKey(theJob),
      label: 'imagen4-fast',
      provider: 'mcp',
      tools: ['a_submit', 'a_status', 'a_result'],
      workflow: null,
    })
    await first.close()

    const second = await RunJournal.open(dir, { resume: 'auto', logger })
    let submits = 0
    const output = await runJournaled(
      second,
      theJob,
      { signal: new AbortController().signal, logger },
      {
        submit: () => Promise.resolve((submits++, started('req-9'))),
        reattach: () => Promise.resolve(undefined),
      },
    )
    await second.close()
    expect(submits).toBe(1)
    expect(output).toMatchObject({ jobKey: jobKey(theJob), journal: 'new' })
    expect(second.notices.join('\n')).toMatch(/outcome unknown.*bill twice/)
    const lines = parseJournal(await readFile(path.join(dir, JOURNAL_FILE), 'utf8')).lines
    expect(lines.map((l) => l.event)).toEqual([
      'planned',
      'planned',
      'submitted',
      'completed',
      'cost',
    ])
  })
})
