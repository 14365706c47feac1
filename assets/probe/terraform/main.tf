# thaw's probe function behind a REST API and a function URL (Terraform).
#
#   cd assets/probe/terraform
#   terraform init && terraform apply -var region=eu-west-1      # -var language=python
#   thaw --function thaw-probe --api-name thaw-probe-api --stage prod --region eu-west-1 \
#        --url "$(terraform output -raw api_url)"
#
# For the Rust probe, build it first (cargo lambda build --release --arm64 in ../rust)
# and set -var language=rust. `terraform destroy` removes everything.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws     = { source = "hashicorp/aws", version = ">= 5.40" }
    archive = { source = "hashicorp/archive", version = ">= 2.4" }
  }
}

variable "region" { type = string }
variable "language" {
  type    = string
  default = "node"
  validation {
    condition     = contains(["node", "python", "rust"], var.language)
    error_message = "language is node, python or rust."
  }
}
variable "function_name" {
  type    = string
  default = "thaw-probe"
}
variable "memory_size" {
  type    = number
  default = 128
}
variable "provisioned_concurrency" {
  description = "Environments kept initialized on the live alias (0: none)"
  type        = number
  default     = 0
}
variable "reserved_concurrency" {
  description = "Cap on concurrent environments (-1: none)"
  type        = number
  default     = -1
}

provider "aws" { region = var.region }

locals {
  runtimes = {
    node   = { runtime = "nodejs22.x", handler = "index.handler", source = "${path.module}/../node" }
    python = { runtime = "python3.13", handler = "app.handler", source = "${path.module}/../python" }
    rust   = { runtime = "provided.al2023", handler = "bootstrap", source = "${path.module}/../rust/target/lambda/bootstrap" }
  }
  chosen = local.runtimes[var.language]
}

data "archive_file" "code" {
  type        = "zip"
  source_dir  = local.chosen.source
  output_path = "${path.module}/probe-${var.language}.zip"
}

resource "aws_iam_role" "probe" {
  name = "${var.function_name}-role"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}

resource "aws_iam_role_policy_attachment" "logs" {
  role       = aws_iam_role.probe.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_lambda_function" "probe" {
  function_name                  = var.function_name
  role                           = aws_iam_role.probe.arn
  runtime                        = local.chosen.runtime
  handler                        = local.chosen.handler
  filename                       = data.archive_file.code.output_path
  source_code_hash               = data.archive_file.code.output_base64sha256
  architectures                  = ["arm64"]
  memory_size                    = var.memory_size
  timeout                        = 15
  publish                        = true
  reserved_concurrent_executions = var.reserved_concurrency
  logging_config { log_format = "Text" }
}

resource "aws_lambda_alias" "live" {
  name             = "live"
  function_name    = aws_lambda_function.probe.function_name
  function_version = aws_lambda_function.probe.version
}

resource "aws_lambda_provisioned_concurrency_config" "live" {
  count                             = var.provisioned_concurrency > 0 ? 1 : 0
  function_name                     = aws_lambda_function.probe.function_name
  qualifier                         = aws_lambda_alias.live.name
  provisioned_concurrent_executions = var.provisioned_concurrency
}

resource "aws_lambda_function_url" "probe" {
  function_name      = aws_lambda_function.probe.function_name
  qualifier          = aws_lambda_alias.live.name
  authorization_type = "NONE"
}

resource "aws_api_gateway_rest_api" "probe" {
  name = "${var.function_name}-api"
}

resource "aws_api_gateway_resource" "hello" {
  rest_api_id = aws_api_gateway_rest_api.probe.id
  parent_id   = aws_api_gateway_rest_api.probe.root_resource_id
  path_part   = "hello"
}

resource "aws_api_gateway_method" "get" {
  rest_api_id   = aws_api_gateway_rest_api.probe.id
  resource_id   = aws_api_gateway_resource.hello.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "lambda" {
  rest_api_id             = aws_api_gateway_rest_api.probe.id
  resource_id             = aws_api_gateway_resource.hello.id
  http_method             = aws_api_gateway_method.get.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_alias.live.invoke_arn
}

resource "aws_api_gateway_deployment" "probe" {
  rest_api_id = aws_api_gateway_rest_api.probe.id
  depends_on  = [aws_api_gateway_integration.lambda]
  triggers    = { redeploy = sha1(jsonencode(aws_api_gateway_integration.lambda)) }
  lifecycle { create_before_destroy = true }
}

resource "aws_api_gateway_stage" "prod" {
  rest_api_id   = aws_api_gateway_rest_api.probe.id
  deployment_id = aws_api_gateway_deployment.probe.id
  stage_name    = "prod"
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowApiGateway"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.probe.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.probe.execution_arn}/*/GET/hello"
}

output "api_url" { value = "${aws_api_gateway_stage.prod.invoke_url}/hello" }
output "api_name" { value = aws_api_gateway_rest_api.probe.name }
output "function_url" { value = aws_lambda_function_url.probe.function_url }
output "function_name" { value = aws_lambda_function.probe.function_name }
