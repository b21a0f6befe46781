import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** Helpers for running `@modelcontextprotocol/server-everything` as a real process. */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** Absolute path of server-everything's bin JS file (from its package.json `bin`). */
export function everythingBin(): string {
  const dir = path.join(ROOT, 'node_modules/@modelcontextprotocol/server-everything')
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    bin: Record<string, string>
  }
  const bin = pkg.bin['mcp-server-everything']
  if (!bin) throw new Error('server-everything has no mcp-server-everything bin')
  return path.join(dir, bin)
}

/** A port that was free a moment ago (listen on 127.0.0.1:0, then close). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** Resolves once 127.0.0.1:`port` accepts TCP connections (polls every 100 ms). */
export async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > until) throw new Error(`port ${port} did not open within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** A running HTTP-mode server-everything. */
export interface RunningServer {
  port: number
  child: ChildProcess
  stop(): Promise<void>
}

/** Starts server-everything in `streamableHttp` or `sse` mode on a free port and waits for it. */
export async function startEverything(mode: 'streamableHttp' | 'sse'): Promise<RunningServer> {
  const port = await freePort()
  const child = spawn(process.execPath, [everythingBin(), mode], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    await Promise.race([
      waitForPort(port),
      exited.then(() => {
        throw new Error(`server-everything ${mode} exited early: ${stderr}`)
      }),
    ])
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  return {
    port,
    child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** Whether a process with this id still exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
