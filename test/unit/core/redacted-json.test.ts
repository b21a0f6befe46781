import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { writeRedactedJson } from '../../../src/core/redacted-json.js'
import { Redactor } from '../../../src/core/redactor.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'

describe('writeRedactedJson', () => {
  let dir: string | undefined

  afterEach(async () => {
    if (dir) await removeDir(dir)
  })

  it('masks every string and key before serialising, keeps hashes, numbers and nulls', async () => {
    dir = await tempWorkspace('kamui-redacted-json-')
    const secret = 'sk-live-0123456789abcdef'
    const redactor = new Redactor()
    redactor.add(secret)
    const value = {
      url: `https://example.test/a.png?key=${secret}`,
      nested: [{ note: `token ${secret} used` }, 42, null, true],
      [`header-${secret}`]: 'x',
      sha256: `${secret}`,
    }
    const file = path.join(dir, 'report.json')
    const written = await writeRedactedJson(file, value, redactor)

    const text = await readFile(file, 'utf8')
    expect(text.endsWith('}\n')).toBe(true)
    expect(text).toBe(`${JSON.stringify(written, null, 2)}\n`)
    const parsed = JSON.parse(text) as Record<string, unknown>
    expect(parsed).toEqual({
      url: 'https://example.test/a.png?key=***',
      nested: [{ note: 'token *** used' }, 42, null, true],
      'header-***': 'x',
      sha256: secret,
    })
    expect(value.url).toContain(secret) // the caller's object is not changed
  })
})
