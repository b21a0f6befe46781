import { KamuiError } from './errors.js'

/**
 * An AbortSignal that aborts with RUN_001 on SIGINT or SIGTERM (the runner sends them when a
 * run is cancelled), so a stage can write what it has before the process ends. Used by the
 * adapters only: stages receive the signal, never the process.
 *
 * The handlers stay installed until `dispose`: a second signal (the runner sends SIGINT, then
 * SIGTERM a few seconds later; a user may press Ctrl-C twice) is absorbed instead of killing
 * the process with Node's default handler while the report is being written. Only SIGKILL
 * ends the run before that.
 *
 * @returns the signal and a `dispose` that removes the handlers
 */
export function cancellationSignal(proc: NodeJS.Process = process): {
  signal: AbortSignal
  dispose: () => void
} {
  const controller = new AbortController()
  const handler = (name: NodeJS.Signals) => (): void => {
    if (!controller.signal.aborted) {
      controller.abort(new KamuiError('RUN_001', `Cancelled by ${name}.`))
    }
  }
  const onInt = handler('SIGINT')
  const onTerm = handler('SIGTERM')
  proc.on('SIGINT', onInt)
  proc.on('SIGTERM', onTerm)
  return {
    signal: controller.signal,
    dispose: () => {
      proc.off('SIGINT', onInt)
      proc.off('SIGTERM', onTerm)
    },
  }
}
