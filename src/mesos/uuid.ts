// Status update uuids: 16 raw bytes of an RFC 4122 version-4 uuid (the agent rejects anything else).
import { randomUUID } from "node:crypto";

export function newUuidBytes(): Buffer {
  return Buffer.from(randomUUID().replaceAll("-", ""), "hex");
}

/** True for 16 bytes with the RFC 4122 variant and a known version, which is what stout's UUID::fromBytes accepts. */
export function isValidUuidBytes(bytes: Uint8Array | undefined): boolean {
  if (!bytes || bytes.byteLength !== 16) return false;
  const version = (bytes[6] as number) >> 4;
  const variant = (bytes[8] as number) >> 6;
  return version >= 1 && version <= 5 && variant === 0b10;
}

export function uuidToString(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
