import { createCanvas, loadImage } from '@napi-rs/canvas'
import jsQRModule from 'jsqr'

// jsqr is CommonJS with a default export; under NodeNext the function sits on `.default`.
const jsQR = ((jsQRModule as any).default ?? jsQRModule) as typeof import('jsqr').default

/** Decodes the QR code in a PNG the way a phone camera would (jsQR), or null. */
export async function decodeQr(png: Uint8Array) {
  const image = await loadImage(Buffer.from(png))
  const canvas = createCanvas(image.width, image.height)
  const context = canvas.getContext('2d')
  context.drawImage(image, 0, 0)
  const data = context.getImageData(0, 0, image.width, image.height)
  return jsQR(new Uint8ClampedArray(data.data), image.width, image.height)
}
