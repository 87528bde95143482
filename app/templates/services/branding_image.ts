import { createCanvas, loadImage } from '@napi-rs/canvas'
import { imageInfo } from '#templates/services/template_source'

/**
 * Branding images (logos, stamps, signatures) are decoded and drawn again
 * into a fresh image: metadata (EXIF, GPS, ICC oddities) and anything hidden
 * after the image data are dropped, oversized images are scaled down, and
 * the result is a PNG (keeps transparency, which signatures and stamps
 * need) or a JPEG for opaque photos, the two formats a PDF can embed.
 */

export const MAX_BRANDING_PIXELS = 25_000_000

export type NormalisedBranding =
  | {
      kind: 'ok'
      bytes: Uint8Array
      mime: 'image/png' | 'image/jpeg'
      width: number
      height: number
    }
  | { kind: 'too_many_pixels'; width: number; height: number; maxPixels: number }
  | { kind: 'unreadable' }

function webpSize(bytes: Uint8Array) {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (
    view.length < 30 ||
    view.toString('latin1', 0, 4) !== 'RIFF' ||
    view.toString('latin1', 8, 12) !== 'WEBP'
  )
    return null
  const chunk = view.toString('latin1', 12, 16)
  if (chunk === 'VP8 ')
    return { width: view.readUInt16LE(26) & 0x3fff, height: view.readUInt16LE(28) & 0x3fff }
  if (chunk === 'VP8L') {
    const bits = view.readUInt32LE(21)
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 }
  }
  if (chunk === 'VP8X')
    return { width: view.readUIntLE(24, 3) + 1, height: view.readUIntLE(27, 3) + 1 }
  return null
}

/** Pixel size from the header alone, before anything is decoded. */
export function headerSize(bytes: Uint8Array, mime: string) {
  if (mime === 'image/png') return imageInfo(bytes, 'png')
  if (mime === 'image/jpeg') return imageInfo(bytes, 'jpeg')
  if (mime === 'image/webp') return webpSize(bytes)
  return null
}

function sniff(bytes: Uint8Array): string | null {
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return 'image/png'
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg'
  if (webpSize(bytes)) return 'image/webp'
  return null
}

export async function normaliseBrandingImage(
  bytes: Uint8Array,
  maxSide: number
): Promise<NormalisedBranding> {
  const mime = sniff(bytes)
  const size = mime ? headerSize(bytes, mime) : null
  if (!mime || !size || size.width < 1 || size.height < 1) return { kind: 'unreadable' }
  if (size.width * size.height > MAX_BRANDING_PIXELS) {
    return {
      kind: 'too_many_pixels',
      width: size.width,
      height: size.height,
      maxPixels: MAX_BRANDING_PIXELS,
    }
  }
  let image: Awaited<ReturnType<typeof loadImage>>
  try {
    image = await loadImage(Buffer.from(bytes))
  } catch {
    return { kind: 'unreadable' }
  }
  const scale = Math.min(1, maxSide / Math.max(image.width, image.height))
  const width = Math.max(1, Math.round(image.width * scale))
  const height = Math.max(1, Math.round(image.height * scale))
  const canvas = createCanvas(width, height)
  const context = canvas.getContext('2d')
  context.imageSmoothingQuality = 'high'
  context.drawImage(image, 0, 0, width, height)

  const pixels = context.getImageData(0, 0, width, height).data
  let opaque = true
  for (let i = 3; i < pixels.length; i += 4) {
    if (pixels[i] !== 255) {
      opaque = false
      break
    }
  }
  if (opaque && mime === 'image/jpeg') {
    return {
      kind: 'ok',
      bytes: new Uint8Array(canvas.toBuffer('image/jpeg', 90)),
      mime: 'image/jpeg',
      width,
      height,
    }
  }
  return {
    kind: 'ok',
    bytes: new Uint8Array(canvas.toBuffer('image/png')),
    mime: 'image/png',
    width,
    height,
  }
}
