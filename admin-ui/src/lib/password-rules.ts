/** Client-side password checks; the API has the final word and its message is shown when it refuses. */

export const PASSWORD_MIN_LENGTH = 8

export function validateNewPassword(password: string, confirm: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) {
    return `The new password must be at least ${PASSWORD_MIN_LENGTH} characters long.`
  }
  if (password !== confirm) {
    return 'The two new passwords do not match.'
  }
  return null
}

export function validatePasswordChange(
  current: string,
  password: string,
  confirm: string,
): string | null {
  if (current === '') {
    return 'Enter your current password.'
  }
  const problem = validateNewPassword(password, confirm)
  if (problem !== null) {
    return problem
  }
  if (password === current) {
    return 'The new password must differ from the current one.'
  }
  return null
}
