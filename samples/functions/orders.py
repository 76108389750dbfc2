"""A Lambda handler for samples/lambda-app.yaml, run by `apigw serve` once per request.

API Gateway's proxy event (payload format 2.0) arrives on stdin; the response object goes to stdout. The same
function deployed to AWS Lambda would be `handler(event, context)` returning that object.
"""
import json
import sys

ORDERS = {"1": {"id": "1", "item": "coffee", "status": "shipped"}}


def handler(event, context=None):
    order_id = (event.get("pathParameters") or {}).get("orderId")
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt", {}).get("claims", {})
    if event["requestContext"]["http"]["method"] == "POST":
        order = json.loads(event.get("body") or "{}")
        order["id"] = str(len(ORDERS) + 1)
        order["placed_by"] = claims.get("sub", "anonymous")
        ORDERS[order["id"]] = order
        return {"statusCode": 201, "headers": {"content-type": "application/json"}, "body": json.dumps(order)}
    order = ORDERS.get(order_id)
    if order is None:
        return {"statusCode": 404, "body": json.dumps({"message": f"no order {order_id}"})}
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "x-stage": event.get("stageVariables", {}).get("env", "")},
        "body": json.dumps(order),
    }


if __name__ == "__main__":
    print(json.dumps(handler(json.load(sys.stdin))))
