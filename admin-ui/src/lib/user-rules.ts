/** The API's username rule (gateway/src/users/user-input.ts USERNAME). */
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/

export function validateUsername(username: string): string | null {
  return USERNAME.test(username.trim())
    ? null
    : 'The username must be 1 to 64 letters, digits, ".", "_", "-" or "@", starting with a letter or digit.'
}
