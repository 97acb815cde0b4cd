#!/bin/sh
# LocalStack ready hook: the SNS topic findings go to, and an SQS queue subscribed to it so that the demo's
# notifications can be read back (awslocal sqs receive-message --queue-url .../logwarden-findings-inbox).
set -eu
awslocal sns create-topic --name logwarden-findings >/dev/null
awslocal sqs create-queue --queue-name logwarden-findings-inbox >/dev/null
awslocal sns subscribe --topic-arn arn:aws:sns:us-east-1:000000000000:logwarden-findings --protocol sqs \
  --notification-endpoint arn:aws:sqs:us-east-1:000000000000:logwarden-findings-inbox >/dev/null
echo "logwarden demo: SNS topic and inbox queue ready"
