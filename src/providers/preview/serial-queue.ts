/**
 * Runs synchronous, CPU-bound tasks one at a time, each in its own macrotask
 * (`setImmediate`), so pending I/O (other MCP requests, status polls) is served between two
 * renders and at most one render blocks the event loop at any moment.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve()

  /** Queues `task`; resolves with its return value or rejects with what it threw. */
  run<T>(task: () => T): Promise<T> {
    const result = this.tail.then(
      () =>
        new Promise<T>((resolve, reject) => {
          setImmediate(() => {
            try {
              resolve(task())
            } catch (error) {
              reject(error)
            }
          })
        }),
    )
    this.tail = result.catch(() => undefined)
    return result
  }
}
