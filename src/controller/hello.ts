// Version negotiation (OpenFlow 1.3.5, section 6.3.1), computed from the peer's raw HELLO bytes.
// It works on bytes rather than on a decoded message because the peer may speak another version
// (an OpenFlow 1.0 switch sends a version-1 header) that a 1.3 codec has no reason to decode.
//
// - With a version-bitmap element, the negotiated version is the highest bit both sides set:
//   vnet sets only bit 4 (OpenFlow 1.3), so the peer's bitmap must include it.
// - Without one, the negotiated version is the smaller of the two header versions, which must be
//   1.3: a peer announcing 1.4 or later without a bitmap is assumed to also speak 1.3.

import { OFP_VERSION, OFPHET, OFPT } from "../../openflow";

export type HelloOutcome =
  | { ok: true; version: number }
  | { ok: false; reason: string; peerVersion: number; peerVersions: number[] };

export function negotiateHello(bytes: Uint8Array): HelloOutcome {
  const fail = (reason: string, peerVersions: number[] = []): HelloOutcome => ({
    ok: false,
    reason,
    peerVersion: bytes.length > 0 ? bytes[0]! : 0,
    peerVersions,
  });
  if (bytes.length < 8) return fail(`HELLO shorter than a header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerVersion = bytes[0]!;
  if (bytes[1] !== OFPT.HELLO) return fail(`first message is type ${bytes[1]}, not HELLO`);
  const length = view.getUint16(2);
  if (length < 8 || length > bytes.length) return fail(`HELLO length ${length} does not fit its ${bytes.length} bytes`);

  let bitmap: number[] | undefined;
  // Elements: type(2) length(2) body, each padded to a multiple of 8 bytes.
  for (let offset = 8; offset + 4 <= length; ) {
    const elemType = view.getUint16(offset);
    const elemLen = view.getUint16(offset + 2);
    if (elemLen < 4 || offset + elemLen > length) {
      return fail(`HELLO element at byte ${offset} has length ${elemLen}, outside the message`);
    }
    if (elemType === OFPHET.VERSIONBITMAP) {
      bitmap = [];
      // A header names its version in one byte, so bits past 255 name no version that can exist:
      // reading only the first 8 words also bounds what a hostile 64 KiB bitmap can cost.
      for (let word = 0; word < 8 && offset + 4 + word * 4 + 4 <= offset + elemLen; word++) {
        const bits = view.getUint32(offset + 4 + word * 4);
        for (let bit = 0; bit < 32; bit++) if ((bits >>> bit) & 1) bitmap.push(word * 32 + bit);
      }
    }
    offset += (elemLen + 7) & ~7;
  }

  if (bitmap !== undefined) {
    if (bitmap.includes(OFP_VERSION)) return { ok: true, version: OFP_VERSION };
    return fail(`peer supports versions [${listVersions(bitmap)}], vnet only ${OFP_VERSION} (OpenFlow 1.3)`, bitmap);
  }
  if (headerVersion >= OFP_VERSION) return { ok: true, version: OFP_VERSION };
  return fail(`peer speaks OpenFlow version ${headerVersion}, vnet only ${OFP_VERSION} (OpenFlow 1.3)`, [headerVersion]);
}

/** The versions for a HELLO_FAILED text, the list cut short so the text stays a few hundred bytes. */
function listVersions(versions: readonly number[]): string {
  const shown = 16;
  if (versions.length <= shown) return versions.join(", ");
  return `${versions.slice(0, shown).join(", ")}, ... ${versions.length - shown} more`;
}
