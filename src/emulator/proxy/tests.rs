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
