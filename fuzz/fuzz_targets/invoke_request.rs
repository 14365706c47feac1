#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| thaw::fuzz::invoke_request(data));
