import type { Logger } from '../../core/logger.js'

/**
 * Progress lines of one prompt, throttled: sampler ticks arrive many times a second, the log
 * gets at most one line per `intervalMs` (the first and the last tick of a node always show).
 */
export class ProgressLog {
  private lastAt = Number.NEGATIVE_INFINITY
  private node: string | undefined
  private readonly classOf: (node: string) => string | undefined

  constructor(
    private readonly logger: Logger,
    private readonly label: string,
    private readonly intervalMs: number,
    classOf: (node: string) => string | undefined = () => undefined,
  ) {
    this.classOf = classOf
  }

  /** `execution_start`. */
  started(queueWaitMs: number): void {
    this.logger.info(`${this.label}: started after ${Math.round(queueWaitMs)} ms in the queue.`)
  }

  /** `executing {node}`: a node began (debug; the sampler's ticks go to info). */
  executing(node: string): void {
    this.node = node
    this.logger.debug(`${this.label}: running ${this.name(node)}.`)
  }

  /** `progress {value, max, node}`. */
  tick(value: number, max: number, node: string | undefined): void {
    const now = performance.now()
    const edge = value <= 1 || value >= max
    if (!edge && now - this.lastAt < this.intervalMs) return
    this.lastAt = now
    const where = node ?? this.node
    this.logger.info(
      `${this.label}: ${where !== undefined ? `${this.name(where)} ` : ''}step ${value}/${max}.`,
    )
  }

  /** Binary type 3 progress text. */
  text(node: string, text: string): void {
    this.logger.debug(`${this.label}: ${this.name(node)}: ${text}`)
  }

  private name(node: string): string {
    const cls = this.classOf(node)
    return cls ? `${cls} (node ${node})` : `node ${node}`
  }
}
