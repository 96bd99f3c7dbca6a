/**
 * A minimal PNG decoder for tests (8-bit greyscale, RGB, grey+alpha and RGBA, not interlaced), using
 * node's zlib: enough to look at a screenshot's pixels without an image library.
 */
import * as zlib from 'node:zlib';

export interface Image {
  readonly width: number;
  readonly height: number;
  /** RGBA, 4 bytes per pixel, row by row. */
  readonly rgba: Buffer;
}

const SIGNATURE = '89504e470d0a1a0a';
const CHANNELS: { [colourType: number]: number } = { 0: 1, 2: 3, 4: 2, 6: 4 };

export function decodePng(png: Buffer): Image {
  if (png.toString('hex', 0, 8) !== SIGNATURE) throw new Error('not a PNG file');
  let width = 0; let height = 0; let colourType = -1;
  const idat: Uint8Array[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4); colourType = data[9];
      if (data[8] !== 8 || data[12] !== 0 || CHANNELS[colourType] === undefined) {
        throw new Error(`unsupported PNG: bit depth ${data[8]}, colour type ${colourType}, interlace ${data[12]}`);
      }
    } else if (type === 'IDAT') idat.push(new Uint8Array(data));
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  const channels = CHANNELS[colourType];
  const compressed = new Uint8Array(idat.reduce((n, d) => n + d.length, 0));
  idat.reduce((at, d) => { compressed.set(d, at); return at + d.length; }, 0);
  const raw = zlib.inflateSync(compressed);
  const stride = width * channels;
  const pixels = Buffer.alloc(height * stride);
  for (let row = 0; row < height; row++) {
    const filter = raw[row * (stride + 1)];
    const line = raw.subarray(row * (stride + 1) + 1, (row + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? pixels[row * stride + i - channels] : 0;
      const b = row > 0 ? pixels[(row - 1) * stride + i] : 0;
      const c = row > 0 && i >= channels ? pixels[(row - 1) * stride + i - channels] : 0;
      let value = line[i];
      if (filter === 1) value += a;
      else if (filter === 2) value += b;
      else if (filter === 3) value += (a + b) >> 1;
      else if (filter === 4) value += paeth(a, b, c);
      else if (filter !== 0) throw new Error(`unknown PNG filter ${filter} in row ${row}`);
      pixels[row * stride + i] = value & 0xff;
    }
  }
  const rgba = Buffer.alloc(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const s = pixels.subarray(p * channels, (p + 1) * channels);
    const [r, g, b, alpha] = channels === 1 ? [s[0], s[0], s[0], 255] : channels === 2 ? [s[0], s[0], s[0], s[1]]
      : channels === 3 ? [s[0], s[1], s[2], 255] : [s[0], s[1], s[2], s[3]];
    rgba.writeUInt8(r, p * 4); rgba.writeUInt8(g, p * 4 + 1); rgba.writeUInt8(b, p * 4 + 2); rgba.writeUInt8(alpha, p * 4 + 3);
  }
  return { width, height, rgba };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a); const pb = Math.abs(p - b); const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Number of pixels within `tolerance` (per channel) of `#rrggbb`. */
export function countColour(image: Image, hex: string, tolerance: number): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let p = 0; p < image.width * image.height; p++) {
    const o = p * 4;
    if (Math.abs(image.rgba[o] - r) <= tolerance && Math.abs(image.rgba[o + 1] - g) <= tolerance && Math.abs(image.rgba[o + 2] - b) <= tolerance) n++;
  }
  return n;
}

/** Number of pixels darker than `threshold` in any channel (not white-ish). */
export function countNonWhite(image: Image, threshold = 240): number {
  let n = 0;
  for (let p = 0; p < image.width * image.height; p++) {
    const o = p * 4;
    if (image.rgba[o] < threshold || image.rgba[o + 1] < threshold || image.rgba[o + 2] < threshold) n++;
  }
  return n;
}
