/**
 * Error body for credential endpoints. botocore and the AWS CLI read `message`/`code`,
 * the Go and Java SDKs read `Message`/`Code`; we send both so every client shows the text.
 */
export function errorBody(code: string, message: string): string {
  return JSON.stringify({ Code: code, Message: message, code, message });
}
