import { AtollError } from '../../errors/index.js';

/** The 96-byte lead (rpm-format.md §2). Only the magic is trusted, as rpm 4.18 does. */
export const LEAD_SIZE = 96;
export const LEAD_MAGIC = Uint8Array.of(0xed, 0xab, 0xee, 0xdb);

export interface Lead {
  major: number;
  minor: number;
  /** 0 binary, 1 source (informational: the main header decides). */
  type: number;
  archnum: number;
  /** NEVR as written by the builder, informational. */
  name: string;
  osnum: number;
  signatureType: number;
}

export function readLead(input: Uint8Array): Lead {
  if (input.length < LEAD_SIZE || LEAD_MAGIC.some((b, i) => input[i] !== b)) {
    throw new AtollError('RPM_NOT_RPM', 'not an rpm package (bad lead magic or shorter than 96 bytes)', {
      hint: 'check that the file is a complete .rpm package',
    });
  }
  const view = new DataView(input.buffer, input.byteOffset, LEAD_SIZE);
  const nameBytes = input.subarray(10, 76);
  const nul = nameBytes.indexOf(0);
  return {
    major: input[4]!,
    minor: input[5]!,
    type: view.getUint16(6),
    archnum: view.getUint16(8),
    name: new TextDecoder().decode(nameBytes.subarray(0, nul < 0 ? 66 : nul)),
    osnum: view.getUint16(76),
    signatureType: view.getUint16(78),
  };
}

/** Encode a lead as rpm 4.x writes it (for the writer). */
export function encodeLead(lead: { name: string; source: boolean; archnum?: number; major?: number }): Uint8Array {
  const out = new Uint8Array(LEAD_SIZE);
  const view = new DataView(out.buffer);
  out.set(LEAD_MAGIC, 0);
  out[4] = lead.major ?? 3;
  out[5] = 0;
  view.setUint16(6, lead.source ? 1 : 0);
  view.setUint16(8, lead.archnum ?? 1);
  out.set(new TextEncoder().encode(lead.name).subarray(0, 65), 10);
  view.setUint16(76, 1);
  view.setUint16(78, 5);
  return out;
}
