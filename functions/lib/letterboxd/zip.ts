/**
 * A small ZIP reader for Letterboxd exports, on Web APIs only (DecompressionStream "deflate-raw" exists in
 * Workers and Node 20): the central directory is read from the end of the archive, and each entry is inflated as a
 * stream, so a large CSV is never held whole once decompressed. Supports what export tools write: stored (0) and
 * deflate (8) entries, data descriptors, no encryption, no ZIP64 (an export is far below 4 GB). Every size read
 * from the archive is checked against the bytes actually there, and inflated output is counted so that a
 * "zip bomb" stops at `maxEntryBytes`.
 */

export class ZipError extends Error {
  override name = "ZipError";
}

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Offset of the entry's local header. */
  offset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** The end record is 22 bytes plus a comment of at most 65,535. */
const MAX_EOCD_SEARCH = 22 + 0xffff;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** The archive's file entries (directories left out), in directory order. Throws ZipError on a corrupt archive. */
export function readZipDirectory(bytes: Uint8Array, maxEntries = 1000): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - MAX_EOCD_SEARCH); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError("not a ZIP archive (no end of central directory)");
  const count = view.getUint16(eocd + 10, true);
  const size = view.getUint32(eocd + 12, true);
  let at = view.getUint32(eocd + 16, true);
  if (count === 0xffff || at === 0xffffffff) throw new ZipError("ZIP64 archives are not supported");
  if (at + size > eocd) throw new ZipError("corrupt ZIP archive (central directory out of range)");
  if (count > maxEntries) throw new ZipError(`ZIP archive has ${count} entries; at most ${maxEntries} are read`);
  const decoder = new TextDecoder();
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (at + 46 > eocd || view.getUint32(at, true) !== CENTRAL) throw new ZipError("corrupt ZIP central directory");
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const compressedSize = view.getUint32(at + 20, true);
    const uncompressedSize = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const offset = view.getUint32(at + 42, true);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith("/")) continue;
    if (flags & 1) throw new ZipError(`ZIP entry ${name} is encrypted`);
    if (method !== 0 && method !== 8) throw new ZipError(`ZIP entry ${name} uses compression method ${method}`);
    if (offset + 30 + compressedSize > bytes.length) throw new ZipError(`ZIP entry ${name} is truncated`);
    entries.push({ name, method, compressedSize, uncompressedSize, offset });
  }
  return entries;
}

/** The entry's uncompressed bytes as a stream; errors with ZipError past maxEntryBytes or on corrupt data. */
export function openZipEntry(bytes: Uint8Array, entry: ZipEntry, maxEntryBytes: number): ReadableStream<Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(entry.offset, true) !== LOCAL) throw new ZipError(`corrupt ZIP entry ${entry.name}`);
  const start = entry.offset + 30 + view.getUint16(entry.offset + 26, true) + view.getUint16(entry.offset + 28, true);
  const data = bytes.subarray(start, start + entry.compressedSize);
  if (data.length !== entry.compressedSize) throw new ZipError(`ZIP entry ${entry.name} is truncated`);
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(data);
      controller.close();
    },
  });
  let seen = 0;
  const guard = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > maxEntryBytes) {
        controller.error(new ZipError(`${entry.name} inflates to more than ${maxEntryBytes} bytes`));
        return;
      }
      controller.enqueue(chunk);
    },
  });
  const inflated =
    entry.method === 0
      ? source
      : source.pipeThrough(
          new DecompressionStream("deflate-raw") as unknown as TransformStream<Uint8Array, Uint8Array>,
        );
  return inflated.pipeThrough(guard);
}
