import { describe, expect, it } from 'vitest'
import { Redactor } from '../../../src/core/redactor.js'
import {
  credentialsInArgs,
  credentialsInAuthorization,
  credentialsInEnv,
  credentialsInHeader,
  credentialsInUrl,
} from '../../../src/core/secrets.js'
import { registerMcpConfigSecrets, registerSecretInput } from '../../../src/providers/mcp/config.js'

describe('credentials found where they hide', () => {
  it('takes credential arguments of stdio servers, and nothing else', () => {
    expect(
      credentialsInArgs([
        '-y',
        'some-server',
        '--x-api-key=sk-arg-0001',
        '--token',
        'tok-arg-0002',
        '--client-secret',
        'cs-arg-0003',
        'PASSWORD=pw-arg-0004',
        '--verbose',
        '--port',
        '8080',
        '--mode=fast',
        'https://user:url-pass-0005@host.example/mcp',
      ]).sort(),
    ).toEqual(['cs-arg-0003', 'pw-arg-0004', 'sk-arg-0001', 'tok-arg-0002', 'url-pass-0005'])
  })

  it('takes URL userinfo and credential query values, never plain URLs', () => {
    expect(credentialsInUrl('https://h.example/mcp')).toEqual([])
    expect(credentialsInUrl('https://h.example/x?size=1024&mode=on')).toEqual([])
    expect(credentialsInUrl('https://h.example/x?api_key=qk-0001&sig=abcdef12&size=1024')).toEqual([
      'qk-0001',
      'abcdef12',
    ])
    expect(credentialsInUrl('http://admin:pa%24%24word@h/')).toEqual(['pa%24%24word', 'pa$$word'])
    expect(credentialsInUrl('https://ghs_0123456789abcdef@h/')).toEqual(['ghs_0123456789abcdef'])
  })

  it('takes the token of Authorization schemes, and Basic passwords', () => {
    expect(credentialsInAuthorization('Bearer tok-bearer-0001')).toEqual([
      'Bearer tok-bearer-0001',
      'tok-bearer-0001',
    ])
    const basic = `Basic ${Buffer.from('me:basic-pass-01').toString('base64')}`
    expect(credentialsInAuthorization(basic)).toContain('basic-pass-01')
  })

  it('never takes booleans, numbers, short words, MIME types or plain URLs', () => {
    for (const value of ['true', 'on', 'off', '1024', '0.5', '30s', 'production', 'debug']) {
      expect(credentialsInEnv('FEATURE_FLAG', value), value).toEqual([])
      expect(credentialsInHeader('X-Mode', value), value).toEqual([])
    }
    expect(credentialsInHeader('Accept', 'application/json')).toEqual([])
    expect(credentialsInEnv('BASE_URL', 'https://api.example/v1')).toEqual([])
    expect(credentialsInEnv('DATA_DIR', '/var/lib/data')).toEqual([])
    // Named like a credential: taken even when short, but never a boolean or a number.
    expect(credentialsInEnv('API_KEY', 'abcd')).toEqual(['abcd'])
    expect(credentialsInEnv('API_KEY', 'true')).toEqual([])
    expect(credentialsInEnv('FAL_TOKEN', '123456')).toEqual([])
    expect(credentialsInHeader('KAMUI-CODE-PASS', 'pass-0001')).toEqual(['pass-0001'])
  })
})

describe('Redactor: credentials only, masked as data', () => {
  it('does not register values that cannot be credentials', () => {
    const seen: string[] = []
    const redactor = new Redactor()
    redactor.onAdd((s) => seen.push(s))
    redactor.add('true', '1024', 'on', 'abc', 'real-secret-01')
    expect(seen).toEqual(['real-secret-01'])
    expect(redactor.redact('true 1024 on real-secret-01')).toBe('true 1024 on ***')
  })

  it('keeps local entries from the runner (core.setSecret)', () => {
    const seen: string[] = []
    const redactor = new Redactor()
    redactor.onAdd((s) => seen.push(s))
    redactor.addLocal('{"mcpServers": {}}\n', '${TOKEN}')
    expect(seen).toEqual([])
    expect(redactor.redact('x ${TOKEN} y')).toBe('x *** y')
  })

  it('masks every string field before serialising, so JSON stays valid', () => {
    const redactor = new Redactor()
    redactor.add('se"cret\\value')
    const report = {
      ok: true,
      n: 1024,
      images: [{ error: 'failed with se"cret\\value' }],
      sha256: 'se"cret\\value',
    }
    const masked = redactor.redactDeep(report)
    expect(masked).toEqual({
      ok: true,
      n: 1024,
      images: [{ error: 'failed with ***' }],
      sha256: 'se"cret\\value',
    })
    expect(report.images[0]?.error).toBe('failed with se"cret\\value')
    expect(redactor.findSecretField(report)).toBe('images[0].error')
    expect(JSON.parse(redactor.maskOutput(JSON.stringify(['a', 'se"cret\\value'])))).toEqual([
      'a',
      '***',
    ])
    expect(redactor.maskOutput('true')).toBe('true')
  })
})

describe('mcp-config secrets', () => {
  const config = {
    mcpServers: {
      stdio: {
        command: 'node',
        args: ['server.js', '--api-key=sk-live-args-01', '--token', 'tok-args-02'],
        env: { FEATURE: 'true', SIZE: '1024', MODE: 'on', HOSTILE_TOKEN: 'env-secret-03' },
      },
      remote: {
        type: 'http',
        url: 'https://user:url-pass-04@h.example/mcp?token=query-tok-05',
        headers: { Authorization: 'Bearer bearer-tok-06', Accept: 'application/json' },
      },
    },
  }

  it('registers args, URL, bearer and env credentials, and not true / 1024 / on', () => {
    const seen: string[] = []
    const redactor = new Redactor()
    redactor.onAdd((s) => seen.push(s))
    const text = JSON.stringify(config)
    registerSecretInput(redactor, 'mcp-config', text, {})
    for (const secret of [
      'sk-live-args-01',
      'tok-args-02',
      'env-secret-03',
      'url-pass-04',
      'query-tok-05',
      'bearer-tok-06',
    ]) {
      expect(seen, secret).toContain(secret)
    }
    for (const plain of ['true', '1024', 'on', 'application/json', 'node', 'server.js']) {
      expect(seen, plain).not.toContain(plain)
      expect(redactor.contains(plain), plain).toBe(false)
    }
    expect(seen).toContain(text)
  })

  it('refuses deeply nested documents with CFG_002 instead of overflowing the stack', () => {
    const deep = `{"mcpServers": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`
    expect(() => registerMcpConfigSecrets(deep, new Redactor(), {})).toThrow(
      /^CFG_002: mcp-config is nested more than 32 levels/,
    )
    const broken = `{"mcpServers": ${'['.repeat(200_000)}`
    expect(() => registerMcpConfigSecrets(broken, new Redactor(), {})).toThrow(/CFG_002/)
  })
})
