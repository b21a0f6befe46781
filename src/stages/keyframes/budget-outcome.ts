import { KamuiError, isKamuiError } from '../../core/errors.js'
import type { Budget } from '../../runner/budget.js'

/**
 * The keyframes run's outcome under `max-cost-usd` (issue 11): when the budget refused jobs,
 * a run that completed segments gets a COST_001 warning (the frames made are kept, the refused
 * frames failed with COST_001 in keyframes.json), and a run that completed none fails with
 * COST_001 instead of KF_003 (the KF_003 message is kept).
 *
 * @throws KamuiError COST_001 when the budget refused jobs and no segment is complete; the
 *   run's own error otherwise
 */
export async function withBudgetOutcome<
  T extends { warnings: { code: string; message: string }[] },
>(result: Promise<T>, budget: Budget, made: (result: T) => string): Promise<T> {
  let value: T
  try {
    value = await result
  } catch (error) {
    if (budget.refused > 0 && isKamuiError(error, 'KF_003')) {
      throw new KamuiError(
        'COST_001',
        `max-cost-usd ${budget.maxCostUsd} reached before any segment was complete ` +
          `(${budget.refused} model job(s) not submitted, $${budget.spentUsd} spent). ${error.detail}`,
        { cause: error },
      )
    }
    throw error
  }
  if (budget.refused > 0) {
    value.warnings.push({
      code: 'COST_001',
      message:
        `max-cost-usd ${budget.maxCostUsd} reached: ${budget.refused} model job(s) not submitted; ` +
        `${made(value)} kept ($${budget.spentUsd} spent).`,
    })
  }
  return value
}
