import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveInWorkspace } from '../../../src/core/workspace.js'

const ws = path.resolve('/tmp/ws')

describe('resolveInWorkspace', () => {
  it('resolves relative paths inside the workspace', () => {
    expect(resolveInWorkspace(ws, 'out/run-1', 'folder-name')).toBe(path.join(ws, 'out/run-1'))
    expect(resolveInWorkspace(ws, 'a/../b', 'folder-name')).toBe(path.join(ws, 'b'))
    expect(resolveInWorkspace(ws, path.join(ws, 'abs'), 'folder-name')).toBe(path.join(ws, 'abs'))
  })

  it.each(['../escape', 'a/../../escape', '/etc', '/tmp/wsx'])('refuses %j with FS_001', (p) => {
    expect(() => resolveInWorkspace(ws, p, 'folder-name')).toThrow(
      /^FS_001: folder-name ".*" resolves to .* outside the workspace/,
    )
  })
})
