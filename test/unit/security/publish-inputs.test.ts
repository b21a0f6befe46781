import { describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import { checkPublishInputs } from '../../../src/output/publish/index.js'

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  return undefined
}

describe('publish inputs are checked before generating', () => {
  it.each([
    [{ publish: 'sometimes' }, /publish must be one of/],
    [{ publish: 'commit', 'branch-name': ' ' }, /commit needs branch-name/],
    [{ publish: 'commit', 'branch-name': 'bad name' }, /not a valid git branch name/],
    [{ 'branch-name': 'a..b' }, /not a valid git branch name/],
    [{ 'branch-name': '-x' }, /not a valid git branch name/],
    [{ 'branch-name': 'x.lock' }, /not a valid git branch name/],
  ])('refuses %j with CFG_001', (raw, message) => {
    const error = thrown(() => checkPublishInputs(raw))
    expect(isKamuiError(error, 'CFG_001')).toBe(true)
    expect(String(error)).toMatch(message)
  })

  it('accepts what publishing accepts', () => {
    for (const raw of [
      {},
      { publish: 'none', 'branch-name': '' },
      { publish: 'artifact' },
      { publish: 'commit', 'branch-name': 'results/run-1' },
      { 'branch-name': 'main' },
    ]) {
      expect(
        thrown(() => checkPublishInputs(raw)),
        JSON.stringify(raw),
      ).toBeUndefined()
    }
  })
})
