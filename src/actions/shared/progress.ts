import * as core from '@actions/core'
import type { Redactor } from '../../core/redactor.js'
import { ProgressDisplay } from '../../output/progress/display.js'
import { ProgressHub } from '../../runner/progress.js'

/**
 * Progress in the Actions log (issue 16 §2): plain lines at a bounded rate (at most one per
 * stage every 15 s besides its start and closing lines) and one collapsible group per stage
 * (`core.startGroup` / `core.endGroup`, what `core.group` wraps; the stage's log lines fall
 * inside it). Secrets are masked in every line.
 */
export function actionProgress(redactor: Redactor): { hub: ProgressHub; close: () => void } {
  const hub = new ProgressHub()
  const display = new ProgressDisplay(
    {
      line: (text) => core.info(redactor.redact(text)),
      startGroup: (title) => core.startGroup(redactor.redact(title)),
      endGroup: () => core.endGroup(),
    },
    { mode: 'plain', plainIntervalMs: 15_000 },
  )
  const off = hub.subscribe(display.onEvent)
  return {
    hub,
    close: () => {
      off()
      display.close()
    },
  }
}
