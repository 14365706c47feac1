// A streaming function for Node.js (awslambda.streamifyResponse, as Lambda's Node.js
// runtime and aws-lambda-ric provide it): it writes its answer in parts, 400 ms apart,
// so a caller sees the first bytes long before the last are written. Through a function
// URL it answers with a status and headers (HttpResponseStream); through the Lambda API
// (InvokeWithResponseStream) the same bytes arrive as PayloadChunk events.
//
// {"fail": true} (or ?fail=1) breaks off with an error after the first part.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const fail = event?.fail === true || event?.queryStringParameters?.fail === "1";
  const stream = event?.requestContext
    ? awslambda.HttpResponseStream.from(responseStream, {
        statusCode: 200,
        headers: { "content-type": "text/plain", "x-streamed-by": "node" },
      })
    : responseStream;
  stream.write("first part\n");
  await sleep(400);
  if (fail) {
    throw new Error("the stream broke off on purpose");
  }
  stream.write("last part\n");
  stream.end();
});
