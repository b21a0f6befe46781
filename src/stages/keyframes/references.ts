import { pngDataUrl, type ProductImage } from './product-images.js'

/**
 * How reference images are handed to models: hosted models get the http(s) URL a product image
 * was given as (they fetch it themselves) or a `data:image/png;base64,…` URL of its reference
 * copy; the offline preview server (no network) always gets data URLs of the small copies.
 */

const cache = new WeakMap<Buffer, string>()

/** The data URL of a PNG buffer, computed once per buffer. */
export function dataUrlOf(png: Buffer): string {
  let url = cache.get(png)
  if (url === undefined) {
    url = pngDataUrl(png)
    cache.set(png, url)
  }
  return url
}

/** The URLs of the product references for a model (`preview`: the offline preview server). */
export function referenceUrls(images: readonly ProductImage[], preview: boolean): string[] {
  return images.map((image) =>
    preview ? dataUrlOf(image.previewReference) : (image.url ?? dataUrlOf(image.reference)),
  )
}
