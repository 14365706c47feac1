//! The Lambda API's errors, in the shape the SDKs parse: the code in `x-amzn-ErrorType`,
//! a JSON body with `Type` and `message` (and `Reason` for a throttle).

use serde_json::json;

use crate::emulator::front::Response;
use crate::event::ThrottleReason;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// `TooManyRequestsException`'s `Reason`.
    pub reason: Option<&'static str>,
}

impl ApiError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            reason: None,
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "ResourceNotFoundException", message)
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidParameterValueException", message)
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(400, "ValidationException", message)
    }

    pub fn invalid_content(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidRequestContentException", message)
    }

    pub fn too_large(limit: usize) -> Self {
        Self::new(
            413,
            "RequestTooLargeException",
            format!("Request must be smaller than {limit} bytes for the InvokeFunction operation"),
        )
    }

    pub fn unknown_operation(message: impl Into<String>) -> Self {
        Self::new(400, "UnknownOperationException", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(403, "MissingAuthenticationTokenException", message)
    }

    pub fn throttled(reason: ThrottleReason) -> Self {
        Self {
            reason: Some(reason.aws_reason()),
            ..Self::new(429, "TooManyRequestsException", "Rate Exceeded.")
        }
    }

    /// The asynchronous queue is full.
    pub fn throttled_queue() -> Self {
        Self::new(
            429,
            "TooManyRequestsException",
            format!(
                "the emulator's asynchronous queue holds {} events already: wait for it to drain",
                crate::emulator::async_queue::CAPACITY
            ),
        )
    }

    pub fn service(message: impl Into<String>) -> Self {
        Self::new(500, "ServiceException", message)
    }

    /// The HTTP response.
    pub fn response(&self) -> Response {
        let mut body = json!({"Type": "User", "message": self.message});
        if let Some(reason) = self.reason {
            body["Reason"] = json!(reason);
        }
        if self.status >= 500 {
            body["Type"] = json!("Service");
        }
        Response {
            status: self.status,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("x-amzn-errortype".into(), self.code.to_string()),
            ],
            body: body.to_string().into_bytes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttles_carry_their_reason() {
        let r = ApiError::throttled(ThrottleReason::ReservedConcurrency).response();
        assert_eq!(r.status, 429);
        let body: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
        assert_eq!(
            body["Reason"],
            "ReservedFunctionConcurrentInvocationLimitExceeded"
        );
        assert!(
            r.headers
                .iter()
                .any(|(k, v)| k == "x-amzn-errortype" && v == "TooManyRequestsException")
        );
    }
}
