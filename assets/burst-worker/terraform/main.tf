# thaw's burst worker (Terraform): the function `thaw burst URL --fan-out W` invokes W
# times at once, each releasing its share of the burst at one instant.
#
#   cargo lambda build --release --arm64 -p thaw-burst-worker     # at the repository root
#   cd assets/burst-worker/terraform
#   terraform init && terraform apply -var region=eu-west-1
#   thaw burst https://<your endpoint> -p 'parallel 5000' --fan-out 10 --region eu-west-1
#
# The role may invoke the functions named by target_functions (lambda:NAME targets are
# signed with it; thaw never sends a worker a credential). `terraform destroy` removes it.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws     = { source = "hashicorp/aws", version = ">= 5.40" }
    archive = { source = "hashicorp/archive", version = ">= 2.4" }
  }
}

variable "region" { type = string }
variable "function_name" {
  type    = string
  default = "thaw-burst-worker"
}
variable "memory_size" {
  description = "MB; 1769 is one vCPU"
  type        = number
  default     = 1769
}
variable "timeout" {
  description = "Seconds; must cover the lead plus thaw burst --timeout"
  type        = number
  default     = 120
}
variable "target_functions" {
  description = "Functions the workers may invoke (lambda:NAME targets), a name or a pattern"
  type        = string
  default     = "thaw-*"
}
variable "reserved_concurrency" {
  description = "The most workers that can run at once (-1: none)"
  type        = number
  default     = -1
}

provider "aws" { region = var.region }

data "aws_caller_identity" "me" {}
data "aws_partition" "here" {}

data "archive_file" "code" {
  type        = "zip"
  source_dir  = "${path.module}/../../../target/lambda/thaw-burst-worker"
  output_path = "${path.module}/burst-worker.zip"
}

resource "aws_iam_role" "worker" {
  name = "${var.function_name}-role"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}

resource "aws_iam_role_policy_attachment" "logs" {
  role       = aws_iam_role.worker.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy" "invoke" {
  name = "invoke-targets"
  role = aws_iam_role.worker.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"]
      Resource = "arn:${data.aws_partition.here.partition}:lambda:${var.region}:${data.aws_caller_identity.me.account_id}:function:${var.target_functions}"
    }]
  })
}

resource "aws_lambda_function" "worker" {
  function_name                  = var.function_name
  role                           = aws_iam_role.worker.arn
  runtime                        = "provided.al2023"
  handler                        = "bootstrap"
  filename                       = data.archive_file.code.output_path
  source_code_hash               = data.archive_file.code.output_base64sha256
  architectures                  = ["arm64"]
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrency
  logging_config { log_format = "Text" }
}

output "function_name" {
  description = "Pass as --worker lambda:NAME (the default is thaw-burst-worker)"
  value       = aws_lambda_function.worker.function_name
}
