use super::*;

fn req() -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        path: "/orders/42".into(),
        query: Some("a=1&b=x%20y&a=2".into()),
        headers: vec![
            (
                "Host".into(),
                "abc.execute-api.eu-west-1.amazonaws.com".into(),
            ),
            ("User-Agent".into(), "thaw".into()),
            ("Content-Type".into(), "application/json".into()),
            ("Cookie".into(), "s=1; t=2".into()),
            ("X-Multi".into(), "one".into()),
            ("X-Multi".into(), "two".into()),
        ],
        body: br#"{"n":1}"#.to_vec(),
        source_ip: "127.0.0.1".into(),
    }
}

fn ctx() -> Context {
    Context {
        request_id: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef".into(),
        time_epoch_ms: 1_795_000_000_000,
        account_id: "123456789012".into(),
        api_id: "thawemu01".into(),
        stage: "prod".into(),
    }
}

#[test]
fn rest_events_are_payload_1_0() {
    let e = event(Front::RestApi, &req(), &ctx());
    assert_eq!(e["httpMethod"], "POST");
    assert_eq!(e["path"], "/orders/42");
    assert_eq!(e["resource"], "/{proxy+}");
    assert_eq!(e["pathParameters"]["proxy"], "orders/42");
    assert_eq!(e["queryStringParameters"]["a"], "2", "the last value");
    assert_eq!(e["multiValueQueryStringParameters"]["a"], json!(["1", "2"]));
    assert_eq!(e["queryStringParameters"]["b"], "x y");
    assert_eq!(e["multiValueHeaders"]["X-Multi"], json!(["one", "two"]));
    assert_eq!(e["requestContext"]["stage"], "prod");
    assert_eq!(e["requestContext"]["path"], "/prod/orders/42");
    assert_eq!(e["requestContext"]["identity"]["sourceIp"], "127.0.0.1");
    assert_eq!(e["body"], r#"{"n":1}"#);
    assert_eq!(e["isBase64Encoded"], false);
}

#[test]
fn http_api_and_function_url_events_are_payload_2_0() {
    for front in [Front::HttpApi, Front::FunctionUrl] {
        let e = event(front, &req(), &ctx());
        assert_eq!(e["version"], "2.0");
        assert_eq!(e["rawPath"], "/orders/42");
        assert_eq!(e["rawQueryString"], "a=1&b=x%20y&a=2");
        assert_eq!(e["queryStringParameters"]["a"], "1,2");
        assert_eq!(e["headers"]["x-multi"], "one,two");
        assert_eq!(e["cookies"], json!(["s=1", "t=2"]));
        assert!(e["headers"].get("cookie").is_none());
        assert_eq!(e["requestContext"]["http"]["method"], "POST");
        assert_eq!(e["body"], r#"{"n":1}"#);
    }
    assert_eq!(
        event(Front::FunctionUrl, &req(), &ctx())["requestContext"]["stage"],
        "$default"
    );
    // Binary bodies are base64 in payload 2.0.
    let mut bin = req();
    bin.headers = vec![("content-type".into(), "image/png".into())];
    bin.body = vec![0x89, b'P', b'N', b'G', 0, 1];
    let e = event(Front::HttpApi, &bin, &ctx());
    assert_eq!(e["isBase64Encoded"], true);
    assert_eq!(e["body"], B64.encode(&bin.body));
}

#[test]
fn responses_map_as_api_gateway_maps_them() {
    let ok = map_response(
        Front::RestApi,
        br#"{"statusCode":201,"headers":{"content-type":"text/plain","x-a":"1"},"multiValueHeaders":{"x-a":["2","3"]},"body":"made"}"#,
    )
    .unwrap();
    assert_eq!(ok.status, 201);
    assert_eq!(ok.body, b"made");
    assert!(
        ok.headers
            .contains(&("content-type".into(), "text/plain".into()))
    );
    let xa: Vec<_> = ok
        .headers
        .iter()
        .filter(|(k, _)| k == "x-a")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(xa, ["2", "3"]);
    let b64 = map_response(
        Front::HttpApi,
        br#"{"statusCode":200,"body":"aGVsbG8=","isBase64Encoded":true,"cookies":["a=1; Path=/"]}"#,
    )
    .unwrap();
    assert_eq!(b64.body, b"hello");
    assert!(
        b64.headers
            .contains(&("set-cookie".into(), "a=1; Path=/".into()))
    );
    // Payload 2.0 infers a 200 for JSON without statusCode; REST calls it malformed.
    let inferred = map_response(Front::FunctionUrl, br#"{"hello":"world"}"#).unwrap();
    assert_eq!(
        (inferred.status, inferred.body.as_slice()),
        (200, br#"{"hello":"world"}"#.as_slice())
    );
    assert_eq!(
        map_response(Front::HttpApi, br#""just text""#)
            .unwrap()
            .body,
        b"just text"
    );
    for (front, bad) in [
        (Front::RestApi, br#"{"hello":"world"}"#.as_slice()),
        (Front::RestApi, br#"{"statusCode":"soon"}"#.as_slice()),
        (
            Front::RestApi,
            br#"{"statusCode":200,"body":{"not":"a string"}}"#.as_slice(),
        ),
        (Front::HttpApi, b"not json".as_slice()),
        (
            Front::HttpApi,
            br#"{"statusCode":200,"headers":["x"]}"#.as_slice(),
        ),
        (
            Front::FunctionUrl,
            br#"{"statusCode":200,"body":"!!","isBase64Encoded":true}"#.as_slice(),
        ),
        (Front::FunctionUrl, br#"{"statusCode":1000}"#.as_slice()),
        // Found by fuzzing (`fuzz/regressions/proxy`): headers HTTP cannot carry made
        // the front answer an empty 200 in place of the function's response.
        (
            Front::HttpApi,
            br#"{"statusCode":200,"headers":{"x-]":"7"}}"#.as_slice(),
        ),
        (
            Front::RestApi,
            br#"{"statusCode":200,"multiValueHeaders":{"x-a":["line
break"]}}"#
                .as_slice(),
        ),
        (
            Front::FunctionUrl,
            br#"{"statusCode":200,"cookies":["a=1
x-injected: 1"]}"#
                .as_slice(),
        ),
    ] {
        assert!(
            map_response(front, bad).is_err(),
            "{front:?} {}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn odd_queries_never_panic() {
    for q in ["%", "%e", "%zz", "a=%C3%A9", "=&=&", "é=%", "%%%%"] {
        let _ = query_pairs(Some(q));
    }
    assert_eq!(decode("%C3%A9"), "é");
}

/// The events parse as the types the Rust runtime (`aws_lambda_events`) reads them into,
/// with what the request said. (The events are written out rather than serialized from
/// those types: their `HeaderMap` lowercases a REST API's header names, which API Gateway
/// passes on as the client wrote them, and keeps one value of each.)
#[test]
fn events_parse_as_the_rust_runtimes_types() {
    use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};
    use aws_lambda_events::lambda_function_urls::LambdaFunctionUrlRequest;
    let rest: ApiGatewayProxyRequest =
        serde_json::from_value(event(Front::RestApi, &req(), &ctx())).expect("REST event");
    assert_eq!(rest.http_method.as_str(), "POST");
    assert_eq!(rest.path.as_deref(), Some("/orders/42"));
    assert_eq!(rest.query_string_parameters.first("a"), Some("2"));
    assert_eq!(
        rest.multi_value_query_string_parameters.all("a"),
        Some(vec!["1", "2"])
    );
    assert_eq!(
        rest.path_parameters.get("proxy").map(String::as_str),
        Some("orders/42")
    );
    assert_eq!(
        rest.request_context.identity.source_ip.as_deref(),
        Some("127.0.0.1")
    );
    assert_eq!(rest.request_context.request_time_epoch, 1_795_000_000_000);
    assert_eq!(rest.body.as_deref(), Some(r#"{"n":1}"#));

    let v2: ApiGatewayV2httpRequest =
        serde_json::from_value(event(Front::HttpApi, &req(), &ctx())).expect("HTTP API event");
    assert_eq!(v2.request_context.http.method.as_str(), "POST");
    assert_eq!(v2.raw_path.as_deref(), Some("/orders/42"));
    // Payload 2.0 joins repeated values with commas; the runtime splits them again.
    assert_eq!(v2.query_string_parameters.all("a"), Some(vec!["1", "2"]));
    assert_eq!(v2.cookies, Some(vec!["s=1".into(), "t=2".into()]));
    assert_eq!(v2.headers["x-multi"], "one,two");
    assert_eq!(v2.request_context.stage.as_deref(), Some("prod"));

    let url: LambdaFunctionUrlRequest =
        serde_json::from_value(event(Front::FunctionUrl, &req(), &ctx())).expect("URL event");
    assert_eq!(url.request_context.http.method.as_deref(), Some("POST"));
    assert_eq!(url.raw_path.as_deref(), Some("/orders/42"));
    assert_eq!(url.request_context.account_id.as_deref(), Some("anonymous"));
    assert_eq!(url.body.as_deref(), Some(r#"{"n":1}"#));
}

/// What the Rust runtime's response types write maps as API Gateway maps it.
#[test]
fn the_rust_runtimes_answers_map_as_api_gateway_maps_them() {
    use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayV2httpResponse};
    use aws_lambda_events::encodings::Body;
    use aws_lambda_events::http::HeaderValue;
    use aws_lambda_events::lambda_function_urls::LambdaFunctionUrlResponse;
    let mut rest = ApiGatewayProxyResponse::default();
    rest.status_code = 201;
    rest.headers
        .insert("content-type", HeaderValue::from_static("text/plain"));
    rest.body = Some(Body::Text("made".into()));
    let mapped = map_response(Front::RestApi, &serde_json::to_vec(&rest).unwrap()).unwrap();
    assert_eq!(
        (mapped.status, mapped.body.as_slice()),
        (201, b"made".as_slice())
    );
    assert!(
        mapped
            .headers
            .contains(&("content-type".into(), "text/plain".into()))
    );

    let mut v2 = ApiGatewayV2httpResponse::default();
    v2.status_code = 200;
    v2.body = Some(Body::Binary(b"hello".to_vec()));
    v2.is_base64_encoded = true;
    v2.cookies = vec!["a=1; Path=/".into()];
    let mapped = map_response(Front::HttpApi, &serde_json::to_vec(&v2).unwrap()).unwrap();
    assert_eq!(mapped.body, b"hello");
    assert!(
        mapped
            .headers
            .contains(&("set-cookie".into(), "a=1; Path=/".into()))
    );

    let mut url = LambdaFunctionUrlResponse::default();
    url.status_code = 404;
    url.body = Some("nothing here".into());
    let mapped = map_response(Front::FunctionUrl, &serde_json::to_vec(&url).unwrap()).unwrap();
    assert_eq!(
        (mapped.status, mapped.body.as_slice()),
        (404, b"nothing here".as_slice())
    );
}
