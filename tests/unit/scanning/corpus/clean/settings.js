// Dialler settings for the support desk widget.
const TIMEOUT = 30000; // call the API again after 1500 ms
const MAX_INT = 2147483647;
export const phoneIds = [1234567, 2345678];
let call_count = 555 0143;
const fax_version = "2026 03 01";
function telemetry(x) { return x * 4294967295; }
export const contactOptions = { id: 1001, retries: 3, backoff: [100, 200, 400, 800] };
