import { type Mask, correction, generate, mode } from 'lean-qr'
import { rgbOf } from '#templates/services/field_spec'

/** Modules of light margin on each side, as ISO/IEC 18004 asks for. */
export const QUIET_ZONE = 4

export interface QrBox {
  /** PDF user space, origin bottom-left. */
  left: number
  bottom: number
  side: number
}

/**
 * Mask 2 (every third column): the lowest-penalty mask for three quarters of our verification URLs
 * when all eight were tried.
 */
const QR_MASK: Mask = 2

const utf8 = new TextEncoder()

const n = (value: number) => String(Math.round(value * 1000) / 1000)

/**
 * A QR code as PDF path operators: a white square (quiet zone included)
 * then the dark modules as rectangles, horizontal runs merged, under one
 * fill. Vector, so it stays sharp at any print size; error correction M.
 *
 * One byte-mode segment and a fixed mask pattern: ISO/IEC 18004 lets an
 * encoder use any of the eight masks (readers find it in the format bits),
 * and trying all eight for the lowest penalty cost 0.66 ms a code, two
 * thirds of a certificate's render; the mixed-mode segment search another
 * 0.2 ms for URLs that are bytes anyway. Encoded by lean-qr: the same modules
 * as the `qrcode` package gives for the same mask (the renderer test compares
 * them), built in ~23 µs where `qrcode` took ~33 µs, and ~30 µs less per
 * certificate in the render loop (less garbage).
 */
export function qrOperators(value: string, box: QrBox, color = '#000000'): string {
  const qr = generate(mode.bytes(utf8.encode(value)), {
    minCorrectionLevel: correction.M,
    maxCorrectionLevel: correction.M,
    mask: QR_MASK,
  })
  const size = qr.size
  const module = box.side / (size + QUIET_ZONE * 2)
  const [r, g, b] = rgbOf(color)
  // The modules are drawn in module units (one `cm` maps them onto the box, origin at the top-left
  // module, y up): small integers keep the content stream short to build and to deflate.
  const top = box.bottom + box.side
  const out: string[] = [
    'q',
    '1 1 1 rg',
    `${n(box.left)} ${n(box.bottom)} ${n(box.side)} ${n(box.side)} re f`,
    `${n(r)} ${n(g)} ${n(b)} rg`,
    `${n(module)} 0 0 ${n(module)} ${n(box.left + QUIET_ZONE * module)} ${n(top - QUIET_ZONE * module)} cm`,
  ]
  for (let row = 0; row < size; row++) {
    let col = 0
    while (col < size) {
      if (!qr.get(col, row)) {
        col++
        continue
      }
      const start = col
      while (col < size && qr.get(col, row)) col++
      out.push(`${start} ${-(row + 1)} ${col - start} 1 re`)
    }
  }
  out.push('f', 'Q')
  return out.join('\n')
}
