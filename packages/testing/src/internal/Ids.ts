import { randomBytes, randomInt } from "node:crypto"

const letters = "abcdefghijklmnopqrstuvwxyz"
const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

/** A cuid2-shaped id: 24 lower-case alphanumerics, starting with a letter. */
export const cuid = (): string => {
  let id = letters[randomInt(letters.length)] ?? "a"
  while (id.length < 24) {
    id += alphabet[randomInt(alphabet.length)] ?? "0"
  }
  return id
}

/** 32 random bytes, URL-safe base64 without padding (43 characters), like PAT and API key secrets. */
export const secret = (): string => randomBytes(32).toString("base64url")
