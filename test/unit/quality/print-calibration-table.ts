/**
 * Prints the calibration table of src/quality/CALIBRATION.md (markdown) from the images of
 * `calibration-images.ts`:
 *
 *   npx tsx test/unit/quality/print-calibration-table.ts
 *
 * `calibration.test.ts` checks that the table in the document matches what the code measures.
 */
import { assessImage } from '../../../src/quality/assess.js'
import type { TechnicalMetricName } from '../../../src/quality/types.js'
import { calibrationSet } from './calibration-images.js'

const format = (value: number | null, digits = 3): string =>
  value === null ? '–' : String(Math.round(value * 10 ** digits) / 10 ** digits)

const lines = [
  '| image | kind | resolution | sharpness (blur) | exposure (mean) | clipping | contrast (RMS) | entropy (bits) | blank (share) | blockiness | technical | artefacts | overall | flags |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
]
for (const image of await calibrationSet()) {
  const quality = await assessImage(image.png, {
    prompt: image.description,
    requested: image.requested,
  })
  const t = quality.technical
  const cell = (name: TechnicalMetricName, digits = 3): string =>
    `${format(t.metrics[name].value, digits)} → ${format(t.metrics[name].score, 2)}`
  lines.push(
    [
      '',
      `\`${image.name}\``,
      image.kind,
      cell('resolution', 2),
      cell('sharpness'),
      cell('exposure', 1),
      cell('clipping'),
      cell('contrast'),
      cell('entropy', 2),
      cell('blank'),
      cell('compression_artefacts', 2),
      format(t.technicalScore),
      format(t.artefactScore),
      `**${format(quality.overall)}**`,
      t.flags.join(', ') || '–',
      '',
    ]
      .join(' | ')
      .trim(),
  )
}
console.log(lines.join('\n'))
