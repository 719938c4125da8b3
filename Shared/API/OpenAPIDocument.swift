/// The OpenAPI 3.1 description of HTTP API v1, served at `GET /openapi.json`.
enum OpenAPIDocument {
    static let json = #"""
{
 "openapi": "3.1.0",
 "info": {
  "title": "Hangar API",
  "version": "1.0.0",
  "description": "Publish new versions of scaling environments: deployments now or scheduled, their history and each step's timing. Errors are RFC 9457 problem details; every route but health and this document needs `Authorization: Bearer <token>` (roles viewer < deployer < admin). Every write request may send X-Request-Id (printable, at most 128 characters); the answer carries it back (or one intake made), and the audit log records it."
 },
 "servers": [
  {
   "url": "http://127.0.0.1:8080"
  }
 ],
 "components": {
  "securitySchemes": {
   "bearer": {
    "type": "http",
    "scheme": "bearer"
   }
  },
  "schemas": {
   "Problem": {
    "type": "object",
    "required": [
     "type",
     "title",
     "status"
    ],
    "properties": {
     "type": {
      "type": "string"
     },
     "title": {
      "type": "string"
     },
     "status": {
      "type": "integer"
     },
     "detail": {
      "type": "string"
     },
     "errors": {
      "type": "array",
      "items": {
       "type": "object",
       "required": [
        "field",
        "message"
       ],
       "properties": {
        "field": {
         "type": "string"
        },
        "message": {
         "type": "string"
        }
       }
      }
     },
     "freeze": {
      "type": "object",
      "description": "the freeze window that refused a deployment",
      "properties": {
       "id": {
        "type": "string",
        "format": "uuid"
       },
       "reason": {
        "type": "string"
       },
       "environmentId": {
        "type": "string",
        "format": "uuid"
       },
       "from": {
        "type": "string",
        "format": "date-time"
       },
       "until": {
        "type": "string",
        "format": "date-time"
       }
      }
     }
    }
   },
   "EnvironmentInput": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
     "name": {
      "type": "string",
      "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"
     },
     "description": {
      "type": [
       "string",
       "null"
      ],
      "maxLength": 500,
      "description": "null clears it (the same as leaving it out when creating)"
     },
     "provider": {
      "type": "string",
      "enum": [
       "simulated",
       "aws"
      ]
     },
     "target": {
      "type": "object",
      "description": "Provider settings. simulated: stepDurationMs, durations {step: ms}, polls {step: n}, pollIntervalMs, failures [{step, attempts: [n]|\"all\", transient, message}]"
     },
     "instanceType": {
      "type": [
       "string",
       "null"
      ],
      "description": "null clears it (the same as leaving it out when creating)"
     },
     "region": {
      "type": [
       "string",
       "null"
      ],
      "description": "null clears it (the same as leaving it out when creating)"
     },
     "port": {
      "type": [
       "integer",
       "null"
      ],
      "minimum": 1,
      "maximum": 65535,
      "description": "null clears it (the same as leaving it out when creating)"
     },
     "startCommand": {
      "type": [
       "string",
       "null"
      ],
      "description": "null clears it (the same as leaving it out when creating)"
     },
     "maxInstances": {
      "type": [
       "integer",
       "null"
      ],
      "minimum": 1,
      "maximum": 10000,
      "description": "null clears it (the same as leaving it out when creating)"
     },
     "limits": {
      "type": "object",
      "properties": {
       "reconnectionsPerMonth": {
        "type": "integer",
        "minimum": 0,
        "maximum": 1000
       }
      },
      "additionalProperties": false
     },
     "notifications": {
      "type": [
       "object",
       "null"
      ],
      "description": "Which deployment events notify (a deployment's notify.events overrides them) and the webhooks that receive them as JSON POSTs signed with HMAC-SHA256 (X-Hangar-Signature: sha256=hex over timestamp + '.' + body).",
      "properties": {
       "events": {
        "type": [
         "array",
         "null"
        ],
        "items": {
         "$ref": "#/components/schemas/NotificationEvent"
        }
       },
       "webhooks": {
        "type": "array",
        "items": {
         "type": "string",
         "format": "uri"
        },
        "maxItems": 10
       }
      },
      "additionalProperties": false
     }
    }
   },
   "NotificationEvent": {
    "type": "string",
    "enum": [
     "started",
     "succeeded",
     "failed",
     "cancelled",
     "scheduled",
     "queued",
     "rejected"
    ]
   },
   "Environment": {
    "type": "object",
    "required": [
     "id",
     "name",
     "provider",
     "lifecycle",
     "createdAt",
     "updatedAt"
    ],
    "properties": {
     "name": {
      "type": "string",
      "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"
     },
     "description": {
      "type": "string",
      "maxLength": 500
     },
     "provider": {
      "type": "string",
      "enum": [
       "simulated",
       "aws"
      ]
     },
     "target": {
      "type": "object",
      "description": "Provider settings. simulated: stepDurationMs, durations {step: ms}, polls {step: n}, pollIntervalMs, failures [{step, attempts: [n]|\"all\", transient, message}]"
     },
     "instanceType": {
      "type": "string"
     },
     "region": {
      "type": "string"
     },
     "port": {
      "type": "integer",
      "minimum": 1,
      "maximum": 65535
     },
     "startCommand": {
      "type": "string"
     },
     "maxInstances": {
      "type": "integer",
      "minimum": 1,
      "maximum": 10000
     },
     "limits": {
      "type": "object",
      "properties": {
       "reconnectionsPerMonth": {
        "type": "integer",
        "minimum": 0,
        "maximum": 1000
       }
      },
      "additionalProperties": false
     },
     "notifications": {
      "type": [
       "object",
       "null"
      ],
      "description": "Which deployment events notify (a deployment's notify.events overrides them) and the webhooks that receive them as JSON POSTs signed with HMAC-SHA256 (X-Hangar-Signature: sha256=hex over timestamp + '.' + body).",
      "properties": {
       "events": {
        "type": [
         "array",
         "null"
        ],
        "items": {
         "$ref": "#/components/schemas/NotificationEvent"
        }
       },
       "webhooks": {
        "type": "array",
        "items": {
         "type": "string",
         "format": "uri"
        },
        "maxItems": 10
       }
      },
      "additionalProperties": false
     },
     "id": {
      "type": "string",
      "format": "uuid"
     },
     "lifecycle": {
      "type": "string",
      "enum": [
       "activated",
       "suspended",
       "released"
      ]
     },
     "createdAt": {
      "type": "string",
      "format": "date-time"
     },
     "updatedAt": {
      "type": "string",
      "format": "date-time"
     },
     "lifecycleReport": {
      "type": "array",
      "items": {
       "type": "string"
      },
      "description": "what the provider did at the last release, or resume of a release, one line each"
     }
    }
   },
   "DeploymentInput": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
     "version": {
      "type": "string",
      "maxLength": 100,
      "minLength": 1
     },
     "scheduledAt": {
      "type": "string",
      "format": "date-time",
      "description": "Absent: now. Not in the past, at most a year ahead."
     },
     "options": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
       "lockInstances": {
        "type": "boolean"
       },
       "stopPreparationServer": {
        "type": "boolean"
       },
       "terminateSessions": {
        "type": "boolean"
       }
      }
     },
     "mode": {
      "type": "string",
      "enum": [
       "optimized",
       "standard",
       "keepUsersConnected",
       "requestReconnection"
      ],
      "default": "optimized"
     },
     "reconnection": {
      "type": "object",
      "required": [
       "minutes",
       "message"
      ],
      "properties": {
       "minutes": {
        "type": "integer",
        "minimum": 1,
        "maximum": 1440
       },
       "message": {
        "type": "string",
        "minLength": 1,
        "maxLength": 500
       }
      },
      "additionalProperties": false
     },
     "notify": {
      "type": "object",
      "properties": {
       "emails": {
        "type": "array",
        "items": {
         "type": "string",
         "format": "email"
        },
        "maxItems": 50
       },
       "events": {
        "type": "array",
        "description": "The events that notify for this deployment; absent: the environment's choice.",
        "items": {
         "$ref": "#/components/schemas/NotificationEvent"
        }
       }
      }
     },
     "overrideFreeze": {
      "type": "object",
      "additionalProperties": false,
      "required": [
       "reason"
      ],
      "properties": {
       "reason": {
        "type": "string",
        "minLength": 1,
        "maxLength": 500
       }
      },
      "description": "admin only: start it inside a freeze window anyway, saying why (recorded in the audit log)"
     }
    }
   },
   "DeploymentStatus": {
    "type": "string",
    "enum": [
     "scheduled",
     "queued",
     "running",
     "succeeded",
     "failed",
     "cancelled",
     "rejected"
    ]
   },
   "StepName": {
    "type": "string",
    "enum": [
     "validate",
     "stop_preparation_server",
     "create_image",
     "create_models",
     "replace_instances",
     "finalize"
    ]
   },
   "StepStatus": {
    "type": "string",
    "enum": [
     "pending",
     "running",
     "succeeded",
     "failed",
     "skipped",
     "cancelled"
    ]
   },
   "StepSummary": {
    "type": "object",
    "required": [
     "name",
     "status"
    ],
    "properties": {
     "name": {
      "$ref": "#/components/schemas/StepName"
     },
     "status": {
      "$ref": "#/components/schemas/StepStatus"
     },
     "startedAt": {
      "type": "string",
      "format": "date-time"
     },
     "finishedAt": {
      "type": "string",
      "format": "date-time"
     },
     "durationMs": {
      "type": "integer"
     }
    }
   },
   "DeploymentSummary": {
    "type": "object",
    "required": [
     "id",
     "status",
     "steps"
    ],
    "properties": {
     "id": {
      "type": "string",
      "format": "uuid"
     },
     "environmentId": {
      "type": "string",
      "format": "uuid"
     },
     "environmentName": {
      "type": "string"
     },
     "version": {
      "type": "string"
     },
     "owner": {
      "type": "string"
     },
     "status": {
      "$ref": "#/components/schemas/DeploymentStatus"
     },
     "mode": {
      "type": "string"
     },
     "createdAt": {
      "type": "string",
      "format": "date-time"
     },
     "scheduledAt": {
      "type": "string",
      "format": "date-time"
     },
     "startedAt": {
      "type": "string",
      "format": "date-time"
     },
     "finishedAt": {
      "type": "string",
      "format": "date-time"
     },
     "durationMs": {
      "type": "integer"
     },
     "steps": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/StepSummary"
      }
     }
    }
   },
   "Deployment": {
    "type": "object",
    "required": [
     "id",
     "status",
     "steps"
    ],
    "properties": {
     "id": {
      "type": "string",
      "format": "uuid"
     },
     "environmentId": {
      "type": "string",
      "format": "uuid"
     },
     "environmentName": {
      "type": "string"
     },
     "version": {
      "type": "string"
     },
     "owner": {
      "type": "string"
     },
     "status": {
      "$ref": "#/components/schemas/DeploymentStatus"
     },
     "mode": {
      "type": "string"
     },
     "options": {
      "type": "object"
     },
     "notify": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "createdAt": {
      "type": "string",
      "format": "date-time"
     },
     "scheduledAt": {
      "type": "string",
      "format": "date-time"
     },
     "startedAt": {
      "type": "string",
      "format": "date-time"
     },
     "finishedAt": {
      "type": "string",
      "format": "date-time"
     },
     "durationMs": {
      "type": "integer"
     },
     "reason": {
      "type": "string"
     },
     "failedStep": {
      "$ref": "#/components/schemas/StepName"
     },
     "outputs": {
      "type": "object",
      "additionalProperties": {
       "type": "string"
      }
     },
     "steps": {
      "type": "array",
      "items": {
       "allOf": [
        {
         "$ref": "#/components/schemas/StepSummary"
        },
        {
         "type": "object",
         "properties": {
          "attempts": {
           "type": "integer"
          },
          "detail": {
           "type": "array",
           "items": {
            "type": "object",
            "properties": {
             "at": {
              "type": "string",
              "format": "date-time"
             },
             "message": {
              "type": "string"
             }
            }
           }
          },
          "error": {
           "type": "string"
          }
         }
        }
       ]
      }
     }
    }
   },
   "HistoryPage": {
    "type": "object",
    "required": [
     "items"
    ],
    "properties": {
     "items": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/DeploymentSummary"
      }
     },
     "nextCursor": {
      "type": "string"
     }
    }
   },
   "Me": {
    "type": "object",
    "required": [
     "name",
     "role"
    ],
    "properties": {
     "name": {
      "type": "string"
     },
     "role": {
      "type": "string",
      "enum": [
       "viewer",
       "deployer",
       "admin"
      ]
     }
    }
   },
   "Queue": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string"
     },
     "type": {
      "type": "string"
     },
     "messagesReady": {
      "type": "integer"
     },
     "messagesUnacknowledged": {
      "type": "integer"
     },
     "consumers": {
      "type": "integer"
     },
     "publishRate": {
      "type": "number"
     },
     "deliverRate": {
      "type": "number"
     },
     "ackRate": {
      "type": "number"
     },
     "deadLetters": {
      "type": [
       "integer",
       "null"
      ],
      "description": "messages in <name>.dead"
     },
     "deadLetterQueue": {
      "type": [
       "string",
       "null"
      ]
     }
    }
   },
   "Server": {
    "type": "object",
    "required": [
     "id",
     "name",
     "role",
     "status"
    ],
    "properties": {
     "id": {
      "type": "string"
     },
     "name": {
      "type": "string"
     },
     "role": {
      "type": "string",
      "enum": [
       "preparation",
       "support",
       "instance"
      ],
      "description": "instance: an instance of the environment's group, listed for its state, cost and connection; the group starts and stops it (server actions and scheduled shutdowns are refused)"
     },
     "status": {
      "type": "string",
      "description": "pending, running, stopping, stopped, rebooting…"
     },
     "publicIP": {
      "type": "string"
     },
     "privateIP": {
      "type": "string"
     },
     "platform": {
      "type": "string"
     },
     "instanceType": {
      "type": "string"
     },
     "imageStatus": {
      "type": "string"
     },
     "launchedAt": {
      "type": "string",
      "format": "date-time"
     },
     "scheduledShutdown": {
      "$ref": "#/components/schemas/ScheduledShutdown"
     }
    }
   },
   "ScheduledShutdown": {
    "type": "object",
    "required": [
     "at",
     "requestedBy",
     "requestedAt",
     "failedAttempts"
    ],
    "description": "A stop planned for later; intake keeps the schedule and asks a worker to stop the server when due, trying again until one does",
    "properties": {
     "at": {
      "type": "string",
      "format": "date-time"
     },
     "requestedBy": {
      "type": "string"
     },
     "requestedAt": {
      "type": "string",
      "format": "date-time"
     },
     "failedAttempts": {
      "type": "integer",
      "description": "attempts that found no worker or a failing provider"
     },
     "lastError": {
      "type": "string"
     }
    }
   },
   "Cost": {
    "type": "object",
    "description": "What runs now costs so far: each running server and instance of the group, hours since its launch × the hourly price of its instance type for the region and platform, from the price table (built in: Shared/API/Prices/instance-prices.json; HANGAR_INSTANCE_PRICES lays a file over it). Stopped servers and a released environment's absent instances add nothing; a suspended environment's running servers do. See docs/costs.md.",
    "properties": {
     "currency": {
      "type": "string"
     },
     "asOf": {
      "type": "string",
      "format": "date-time"
     },
     "total": {
      "type": "number"
     },
     "lifecycle": {
      "type": "string"
     },
     "lastRunningAt": {
      "type": "string",
      "format": "date-time"
     },
     "unpricedInstanceTypes": {
      "type": "array",
      "items": {
       "type": "string"
      },
      "description": "instance types the table has no price for in that region and platform (their lines have no cost)"
     },
     "lines": {
      "type": "array",
      "items": {
       "type": "object",
       "properties": {
        "serverId": {
         "type": "string"
        },
        "name": {
         "type": "string"
        },
        "instanceType": {
         "type": "string"
        },
        "status": {
         "type": "string"
        },
        "launchedAt": {
         "type": "string",
         "format": "date-time"
        },
        "hours": {
         "type": "number"
        },
        "hourlyRate": {
         "type": "number"
        },
        "cost": {
         "type": "number"
        },
        "role": {
         "type": "string",
         "enum": [
          "preparation",
          "support",
          "instance"
         ]
        },
        "platform": {
         "type": "string",
         "enum": [
          "linux",
          "windows"
         ],
         "description": "which price applies"
        }
       },
       "required": [
        "serverId",
        "name",
        "role",
        "platform",
        "status",
        "hours"
       ]
      }
     },
     "region": {
      "type": "string",
      "description": "the region whose prices apply: the environment's, else its target's, else the table's default"
     },
     "priceSources": {
      "type": "array",
      "items": {
       "type": "string"
      },
      "description": "the price table files read, built-in first"
     }
    },
    "required": [
     "currency",
     "region",
     "asOf",
     "total",
     "lines",
     "unpricedInstanceTypes",
     "priceSources",
     "lifecycle"
    ]
   },
   "EnvironmentCreate": {
    "description": "The body of POST /v1/environments: an EnvironmentInput with its name and provider (no default: `simulated` deploys nothing to a cloud), whose target suits its provider.",
    "allOf": [
     {
      "$ref": "#/components/schemas/EnvironmentInput"
     },
     {
      "type": "object",
      "required": [
       "name",
       "provider"
      ]
     },
     {
      "if": {
       "type": "object",
       "required": [
        "provider"
       ],
       "properties": {
        "provider": {
         "const": "aws"
        }
       }
      },
      "then": {
       "type": "object",
       "required": [
        "target"
       ],
       "properties": {
        "target": {
         "$ref": "#/components/schemas/AWSTarget"
        }
       }
      },
      "else": {
       "type": "object",
       "properties": {
        "target": {
         "$ref": "#/components/schemas/SimulatedTarget"
        }
       }
      }
     }
    ]
   },
   "SimulatedTarget": {
    "type": "object",
    "additionalProperties": false,
    "description": "The simulated provider's settings (see SimulatedSettings).",
    "properties": {
     "stepDurationMs": {
      "type": "number",
      "minimum": 0,
      "maximum": 600000
     },
     "pollIntervalMs": {
      "type": "number",
      "minimum": 0,
      "maximum": 86400000
     },
     "durations": {
      "type": "object",
      "propertyNames": {
       "enum": [
        "validate",
        "stop_preparation_server",
        "create_image",
        "create_models",
        "replace_instances",
        "finalize"
       ]
      },
      "additionalProperties": {
       "type": "number",
       "minimum": 0,
       "maximum": 600000
      }
     },
     "polls": {
      "type": "object",
      "propertyNames": {
       "enum": [
        "validate",
        "stop_preparation_server",
        "create_image",
        "create_models",
        "replace_instances",
        "finalize"
       ]
      },
      "additionalProperties": {
       "type": "integer",
       "minimum": 0,
       "maximum": 999999999
      }
     },
     "failures": {
      "type": "array",
      "items": {
       "type": "object",
       "additionalProperties": false,
       "required": [
        "step"
       ],
       "properties": {
        "step": {
         "enum": [
          "validate",
          "stop_preparation_server",
          "create_image",
          "create_models",
          "replace_instances",
          "finalize"
         ]
        },
        "attempts": {
         "oneOf": [
          {
           "const": "all"
          },
          {
           "type": "array",
           "minItems": 1,
           "items": {
            "type": "integer",
            "minimum": 1,
            "maximum": 999999999
           }
          }
         ]
        },
        "transient": {
         "type": "boolean"
        },
        "message": {
         "type": "string",
         "minLength": 1
        }
       }
      }
     },
     "instances": {
      "type": "integer",
      "minimum": 0,
      "maximum": 100,
      "description": "the simulated group's size (default 2): who a reconnection request goes to"
     },
     "unreachableInstances": {
      "type": "integer",
      "minimum": 0,
      "maximum": 100,
      "description": "that many of the group's instances (the last ones; all when it exceeds `instances`) do not receive a reconnection request (default 0)"
     },
     "sessionsPerInstance": {
      "type": "integer",
      "minimum": 0,
      "maximum": 1000,
      "description": "user sessions open on each instance (default 0); with keepUsersConnected, replace_instances drains them over drainMs before replacing"
     },
     "drainMs": {
      "type": "number",
      "minimum": 0,
      "maximum": 86400000,
      "description": "how long the sessions take to end when drained: evenly, checked every pollIntervalMs (default 0)"
     }
    }
   },
   "AWSTarget": {
    "type": "object",
    "additionalProperties": false,
    "description": "The aws provider's settings (see AWSSettings): one of launchTemplateId and launchTemplateName.",
    "required": [
     "region",
     "preparationInstanceId",
     "autoScalingGroupName"
    ],
    "oneOf": [
     {
      "required": [
       "launchTemplateId"
      ]
     },
     {
      "required": [
       "launchTemplateName"
      ]
     }
    ],
    "properties": {
     "region": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "pattern": "^[A-Za-z0-9-]+$"
     },
     "preparationInstanceId": {
      "type": "string",
      "minLength": 2,
      "maxLength": 255,
      "pattern": "^i-"
     },
     "launchTemplateId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "pattern": "\\S"
     },
     "launchTemplateName": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "pattern": "\\S"
     },
     "autoScalingGroupName": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "pattern": "\\S"
     },
     "supportServerTag": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "pattern": "\\S"
     },
     "keepModelVersions": {
      "type": "integer",
      "minimum": 2,
      "maximum": 100
     },
     "replacement": {
      "enum": [
       "auto",
       "instanceRefresh",
       "rolling"
      ]
     },
     "minHealthyPercentage": {
      "type": "integer",
      "minimum": 0,
      "maximum": 100
     },
     "warmupSeconds": {
      "type": "integer",
      "minimum": 0,
      "maximum": 3600
     },
     "skipMatching": {
      "type": "boolean"
     },
     "drainSeconds": {
      "type": "integer",
      "minimum": 0,
      "maximum": 86400
     },
     "replaceTimeoutMinutes": {
      "type": "integer",
      "minimum": 1,
      "maximum": 1440
     },
     "checkAfterSeconds": {
      "type": "number",
      "minimum": 0.1,
      "maximum": 3600
     },
     "rebootForImage": {
      "type": "boolean"
     },
     "platform": {
      "enum": [
       "linux",
       "windows"
      ],
      "description": "the instances' platform, which picks the Run Command defaults"
     },
     "runCommandDocument": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "pattern": "\\S",
      "description": "the Systems Manager document that runs commands on instances (default AWS-RunShellScript, or AWS-RunPowerShellScript on windows)"
     },
     "noticeCommand": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "pattern": "\\{text\\}",
      "description": "the command run on each instance; {text} becomes the request, quoted for the platform's shell (default `wall {text}`, or `msg * {text}` on windows)"
     },
     "sessionsCommand": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "pattern": "\\S",
      "description": "terminateSessions: the command that ends the users' sessions on an instance (default: every login session)"
     },
     "runCommandTimeoutSeconds": {
      "type": "integer",
      "minimum": 30,
      "maximum": 3600,
      "description": "how long a command may take on an instance before it counts as failed (default 120)"
     }
    }
   },
   "DeadLetter": {
    "type": "object",
    "additionalProperties": false,
    "required": [
     "id",
     "queue",
     "reason",
     "firstSeenAt",
     "replays",
     "preview"
    ],
    "properties": {
     "id": {
      "type": "string",
      "description": "names it for replay and purge"
     },
     "queue": {
      "type": "string",
      "description": "the queue it was taken from, to which a replay publishes it"
     },
     "reason": {
      "type": "string"
     },
     "firstSeenAt": {
      "type": "string",
      "format": "date-time",
      "description": "when it was dead-lettered"
     },
     "messageType": {
      "type": "string"
     },
     "messageId": {
      "type": "string"
     },
     "deploymentId": {
      "type": "string"
     },
     "replays": {
      "type": "integer",
      "minimum": 0,
      "description": "how many times it was replayed before"
     },
     "preview": {
      "type": "string",
      "description": "the start of its body; values of secret-looking JSON keys, and the user part and query of URLs, are hidden"
     }
    }
   },
   "DeadLetterCommandAccepted": {
    "type": "object",
    "required": [
     "id",
     "action",
     "status"
    ],
    "properties": {
     "id": {
      "type": "string"
     },
     "action": {
      "type": "string",
      "enum": [
       "replay",
       "purge"
      ]
     },
     "status": {
      "type": "string",
      "enum": [
       "accepted"
      ]
     }
    }
   },
   "Worker": {
    "type": "object",
    "additionalProperties": false,
    "required": [
     "name",
     "concurrency",
     "running",
     "lastSeenAt"
    ],
    "properties": {
     "name": {
      "type": "string"
     },
     "concurrency": {
      "type": "integer",
      "minimum": 1
     },
     "running": {
      "type": "array",
      "items": {
       "type": "object",
       "additionalProperties": false,
       "required": [
        "deploymentId",
        "environmentName",
        "step",
        "attempt",
        "startedAt"
       ],
       "properties": {
        "deploymentId": {
         "type": "string",
         "format": "uuid"
        },
        "environmentName": {
         "type": "string"
        },
        "step": {
         "type": "string"
        },
        "attempt": {
         "type": "integer",
         "minimum": 1
        },
        "startedAt": {
         "type": "string",
         "format": "date-time"
        }
       }
      }
     },
     "lastSeenAt": {
      "type": "string",
      "format": "date-time",
      "description": "a worker silent for long (more than a few status intervals) was stopped without a word"
     }
    }
   },
   "ServerConnection": {
    "type": "object",
    "additionalProperties": false,
    "required": [
     "environment",
     "serverId",
     "serverName",
     "provider",
     "simulated",
     "commands",
     "note"
    ],
    "properties": {
     "environment": {
      "type": "string"
     },
     "serverId": {
      "type": "string"
     },
     "serverName": {
      "type": "string"
     },
     "provider": {
      "type": "string"
     },
     "simulated": {
      "type": "boolean",
      "description": "true on the simulated provider: there is nothing to connect to, and commands is empty"
     },
     "commands": {
      "type": "array",
      "items": {
       "type": "object",
       "additionalProperties": false,
       "required": [
        "purpose",
        "command"
       ],
       "properties": {
        "purpose": {
         "enum": [
          "shell",
          "rdp"
         ]
        },
        "command": {
         "type": "string",
         "description": "to run on your own machine"
        },
        "then": {
         "type": "string"
        }
       }
      }
     },
     "note": {
      "type": "string",
      "description": "what the commands need, or why there are none"
     }
    }
   },
   "AuditEntry": {
    "type": "object",
    "description": "One write request through the API (POST, PUT, PATCH, DELETE on a route), recorded once after it was answered, whatever its outcome. Never a token, a password or a request body: summary holds what the handler noted (changed field names, a lifecycle's before → after, a deployment's id).",
    "required": [
     "id",
     "at",
     "actor",
     "action",
     "method",
     "path",
     "requestId",
     "status",
     "outcome",
     "summary"
    ],
    "properties": {
     "id": {
      "type": "string",
      "format": "uuid",
      "description": "a UUIDv7: the order of the log"
     },
     "at": {
      "type": "string",
      "format": "date-time"
     },
     "actor": {
      "type": "string",
      "description": "the token's name, or unauthenticated"
     },
     "role": {
      "type": "string",
      "enum": [
       "viewer",
       "deployer",
       "admin"
      ]
     },
     "action": {
      "type": "string",
      "description": "environment.create|update|delete|suspend|resume|release, deployment.submit|cancel, server.start|stop|restart, shutdown.schedule|cancel, deadLetter.replay|delete, freeze.create|delete"
     },
     "method": {
      "type": "string"
     },
     "path": {
      "type": "string",
      "description": "as requested, without its query"
     },
     "environment": {
      "type": "string",
      "description": "as named in the path (name or id)"
     },
     "target": {
      "type": "string",
      "description": "the server, deployment or dead letter the path names"
     },
     "requestId": {
      "type": "string",
      "description": "the client's X-Request-Id, else one intake made"
     },
     "status": {
      "type": "integer"
     },
     "outcome": {
      "type": "string",
      "enum": [
       "succeeded",
       "refused",
       "failed"
      ],
      "description": "2xx, 4xx, 5xx"
     },
     "summary": {
      "type": "array",
      "items": {
       "type": "string"
      }
     }
    }
   },
   "FreezeInput": {
    "type": "object",
    "additionalProperties": false,
    "required": [
     "reason"
    ],
    "description": "A freeze window: start and end (a one-off), or weekly (every week on days, from … to local times in timeZone; a window whose to is not after from runs past midnight and belongs to the day it begins). Deployments asked for inside it are refused (409 with the window) unless an admin adds overrideFreeze; one scheduled inside it is moved to the first moment after it (scheduled: defer) or refused (skip). Checked when the deployment is submitted.",
    "properties": {
     "reason": {
      "type": "string",
      "minLength": 1,
      "maxLength": 500
     },
     "start": {
      "type": "string",
      "format": "date-time"
     },
     "end": {
      "type": "string",
      "format": "date-time"
     },
     "weekly": {
      "type": "object",
      "additionalProperties": false,
      "required": [
       "days",
       "from",
       "to"
      ],
      "properties": {
       "days": {
        "type": "array",
        "minItems": 1,
        "items": {
         "type": "string",
         "enum": [
          "SUN",
          "MON",
          "TUE",
          "WED",
          "THU",
          "FRI",
          "SAT"
         ]
        }
       },
       "from": {
        "type": "string",
        "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"
       },
       "to": {
        "type": "string",
        "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"
       }
      }
     },
     "timeZone": {
      "type": "string",
      "description": "IANA name, default UTC"
     },
     "scheduled": {
      "type": "string",
      "enum": [
       "defer",
       "skip"
      ],
      "description": "default defer"
     }
    },
    "oneOf": [
     {
      "required": [
       "start",
       "end"
      ],
      "not": {
       "required": [
        "weekly"
       ]
      }
     },
     {
      "required": [
       "weekly"
      ],
      "not": {
       "anyOf": [
        {
         "required": [
          "start"
         ]
        },
        {
         "required": [
          "end"
         ]
        }
       ]
      }
     }
    ]
   },
   "FreezeWindow": {
    "type": "object",
    "required": [
     "id",
     "reason",
     "timeZone",
     "scheduled",
     "createdBy",
     "createdAt"
    ],
    "properties": {
     "id": {
      "type": "string",
      "format": "uuid"
     },
     "environmentId": {
      "type": "string",
      "format": "uuid",
      "description": "absent: every environment"
     },
     "reason": {
      "type": "string"
     },
     "start": {
      "type": "string",
      "format": "date-time"
     },
     "end": {
      "type": "string",
      "format": "date-time"
     },
     "weekly": {
      "type": "object",
      "additionalProperties": false,
      "required": [
       "days",
       "from",
       "to"
      ],
      "properties": {
       "days": {
        "type": "array",
        "minItems": 1,
        "items": {
         "type": "string",
         "enum": [
          "SUN",
          "MON",
          "TUE",
          "WED",
          "THU",
          "FRI",
          "SAT"
         ]
        }
       },
       "from": {
        "type": "string",
        "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"
       },
       "to": {
        "type": "string",
        "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"
       }
      }
     },
     "timeZone": {
      "type": "string"
     },
     "scheduled": {
      "type": "string",
      "enum": [
       "defer",
       "skip"
      ]
     },
     "createdBy": {
      "type": "string"
     },
     "createdAt": {
      "type": "string",
      "format": "date-time"
     },
     "activeUntil": {
      "type": "string",
      "format": "date-time",
      "description": "present while the window holds: the end of this occurrence"
     }
    }
   }
  },
  "parameters": {
   "IfNoneMatch": {
    "name": "If-None-Match",
    "in": "header",
    "description": "The `ETag` of the copy the caller holds: answered 304 with no body while it is current.",
    "schema": {
     "type": "string"
    }
   }
  },
  "headers": {
   "ETag": {
    "description": "A weak tag of this representation: send it back in `If-None-Match` to be answered 304 while nothing changed.",
    "schema": {
     "type": "string"
    }
   }
  },
  "responses": {
   "NotModified": {
    "description": "The copy named in `If-None-Match` is current; no body.",
    "headers": {
     "ETag": {
      "$ref": "#/components/headers/ETag"
     }
    }
   }
  }
 },
 "security": [
  {
   "bearer": []
  }
 ],
 "paths": {
  "/health/live": {
   "get": {
    "summary": "The process is up",
    "security": [],
    "responses": {
     "200": {
      "description": "alive"
     }
    }
   }
  },
  "/health/ready": {
   "get": {
    "summary": "Ready: connected to the broker with its consumers, its stores answer, not stopping",
    "security": [],
    "responses": {
     "200": {
      "description": "ready"
     },
     "503": {
      "description": "not ready: `failing` names broker, consumers, store, history store or draining"
     }
    }
   }
  },
  "/openapi.json": {
   "get": {
    "summary": "This document",
    "security": [],
    "responses": {
     "200": {
      "description": "OpenAPI 3.1"
     }
    }
   }
  },
  "/v1/environments": {
   "get": {
    "summary": "List environments (viewer)",
    "responses": {
     "200": {
      "description": "environments",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "items": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Environment"
           }
          }
         }
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   },
   "post": {
    "summary": "Create an environment (admin)",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/EnvironmentCreate"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "created",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Environment"
        }
       }
      }
     },
     "409": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "422": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "400": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/environments/{env}": {
   "parameters": [
    {
     "name": "env",
     "in": "path",
     "required": true,
     "description": "Environment id or unique name",
     "schema": {
      "type": "string"
     }
    }
   ],
   "get": {
    "summary": "One environment (viewer)",
    "responses": {
     "200": {
      "description": "environment",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Environment"
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "422": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   },
   "patch": {
    "summary": "Change an environment (admin)",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/EnvironmentInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "changed",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Environment"
        }
       }
      }
     },
     "409": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "422": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "400": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   },
   "delete": {
    "summary": "Delete an environment (admin)",
    "responses": {
     "204": {
      "description": "deleted"
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "422": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/environments/{env}/deployments": {
   "parameters": [
    {
     "name": "env",
     "in": "path",
     "required": true,
     "description": "Environment id or unique name",
     "schema": {
      "type": "string"
     }
    }
   ],
   "post": {
    "summary": "Publish a new version now or at scheduledAt (deployer)",
    "parameters": [
     {
      "name": "Idempotency-Key",
      "in": "header",
      "required": false,
      "schema": {
       "type": "string"
      },
      "description": "A retried POST with the same key returns the same deployment"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/DeploymentInput"
       }
      }
     }
    },
    "responses": {
     "202": {
      "description": "accepted",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Deployment"
        }
       }
      }
     },
     "400": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "409": {
      "description": "Environment not active, or reconnection quota used",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "413": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "422": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   },
   "get": {
    "summary": "History, newest first (viewer)",
    "parameters": [
     {
      "name": "status",
      "in": "query",
      "schema": {
       "$ref": "#/components/schemas/DeploymentStatus"
      }
     },
     {
      "name": "limit",
      "in": "query",
      "schema": {
       "type": "integer",
       "minimum": 1,
       "maximum": 200,
       "default": 50
      }
     },
     {
      "name": "cursor",
      "in": "query",
      "schema": {
       "type": "string"
      }
     },
     {
      "$ref": "#/components/parameters/IfNoneMatch"
     }
    ],
    "responses": {
     "200": {
      "description": "a page",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/HistoryPage"
        }
       }
      },
      "headers": {
       "ETag": {
        "$ref": "#/components/headers/ETag"
       }
      }
     },
     "304": {
      "$ref": "#/components/responses/NotModified"
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "422": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/deployments/{id}": {
   "parameters": [
    {
     "name": "id",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string",
      "format": "uuid"
     }
    }
   ],
   "get": {
    "summary": "One deployment with its steps (viewer)",
    "responses": {
     "200": {
      "description": "deployment",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Deployment"
        }
       }
      },
      "headers": {
       "ETag": {
        "$ref": "#/components/headers/ETag"
       }
      }
     },
     "304": {
      "$ref": "#/components/responses/NotModified"
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "422": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    },
    "parameters": [
     {
      "$ref": "#/components/parameters/IfNoneMatch"
     }
    ]
   }
  },
  "/v1/deployments/{id}/cancel": {
   "parameters": [
    {
     "name": "id",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string",
      "format": "uuid"
     }
    }
   ],
   "post": {
    "summary": "Cancel: scheduled or queued at once; running before its next step (deployer)",
    "responses": {
     "202": {
      "description": "cancellation requested",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Deployment"
        }
       }
      }
     },
     "409": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "503": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "422": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/me": {
   "get": {
    "summary": "The caller's token name and role (viewer)",
    "responses": {
     "200": {
      "description": "the caller",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Me"
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/deployments/{id}/events": {
   "parameters": [
    {
     "name": "id",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string",
      "format": "uuid"
     }
    },
    {
     "name": "access_token",
     "in": "query",
     "required": false,
     "schema": {
      "type": "string"
     },
     "description": "the bearer token, for clients that cannot send headers (a browser's EventSource); the Authorization header wins when both are present"
    }
   ],
   "get": {
    "summary": "Server-Sent Events (viewer): `event: deployment` with the details at once and after every change; `event: step` and `event: status` with each step or deployment event as published; comments as heartbeats every 15 s; the stream ends after a terminal status",
    "responses": {
     "200": {
      "description": "an event stream",
      "content": {
       "text/event-stream": {
        "schema": {
         "type": "object",
         "description": "One Server-Sent Event: its name (event) and its JSON payload (data).",
         "properties": {
          "event": {
           "type": "string"
          },
          "data": {
           "type": "string"
          },
          "id": {
           "type": "string"
          },
          "retry": {
           "type": "integer"
          }
         }
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/environments/{env}/events": {
   "parameters": [
    {
     "name": "env",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     },
     "description": "id or unique name"
    },
    {
     "name": "access_token",
     "in": "query",
     "required": false,
     "schema": {
      "type": "string"
     },
     "description": "the bearer token, for clients that cannot send headers (a browser's EventSource); the Authorization header wins when both are present"
    }
   ],
   "get": {
    "summary": "Server-Sent Events (viewer): `event: deployment` with a deployment's details whenever one of the environment's deployments changes; heartbeats every 15 s; does not end by itself",
    "responses": {
     "200": {
      "description": "an event stream",
      "content": {
       "text/event-stream": {
        "schema": {
         "type": "object",
         "description": "One Server-Sent Event: its name (event) and its JSON payload (data).",
         "properties": {
          "event": {
           "type": "string"
          },
          "data": {
           "type": "string"
          },
          "id": {
           "type": "string"
          },
          "retry": {
           "type": "integer"
          }
         }
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/queues": {
   "get": {
    "summary": "Each queue of Hangar's virtual host from RabbitMQ's management API (viewer): ready, unacked, consumers, rates, dead letters",
    "responses": {
     "200": {
      "description": "the queues",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "vhost": {
           "type": "string"
          },
          "items": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Queue"
           }
          }
         }
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "502": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/environments/{env}/actions/{action}": {
   "parameters": [
    {
     "name": "env",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     },
     "description": "id or unique name"
    },
    {
     "name": "action",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string",
      "enum": [
       "suspend",
       "resume",
       "release"
      ]
     }
    }
   ],
   "post": {
    "summary": "Lifecycle (admin): suspend (activated → suspended, catalog only), resume (suspended or released → activated), release (→ released). Release scales the instance group to 0 and stops the preparation and support servers through a worker's provider, remembering what ran; resuming a released environment brings that back. What the provider did is in lifecycleReport; when it fails (501, 502, 503, 504) the lifecycle does not change. Suspended and released environments refuse deployments with 409",
    "responses": {
     "200": {
      "description": "the environment",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Environment"
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "409": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "501": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "502": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "503": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "504": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/environments/{env}/servers": {
   "parameters": [
    {
     "name": "env",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     },
     "description": "id or unique name"
    }
   ],
   "get": {
    "summary": "The preparation and support servers, then the instances of the group, as the provider reports them, asked of a worker over the broker (viewer), with the cost so far",
    "responses": {
     "200": {
      "description": "the servers",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "properties": {
          "environment": {
           "type": "string"
          },
          "worker": {
           "type": "string"
          },
          "items": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Server"
           }
          },
          "cost": {
           "$ref": "#/components/schemas/Cost"
          }
         }
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "501": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "502": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "503": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "504": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/environments/{env}/cost": {
   "parameters": [
    {
     "name": "env",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     },
     "description": "id or unique name"
    }
   ],
   "get": {
    "summary": "The cost so far of what the environment runs now: its servers and the instances of its group (viewer)",
    "responses": {
     "200": {
      "description": "the cost",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Cost"
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "501": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "502": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "503": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "504": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/environments/{env}/servers/{server}/shutdown": {
   "parameters": [
    {
     "name": "env",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     },
     "description": "id or unique name"
    },
    {
     "name": "server",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     }
    }
   ],
   "put": {
    "summary": "Schedule the server's shutdown, or move it (extend): a worker stops the server when due (deployer)",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "type": "object",
        "required": [
         "at"
        ],
        "properties": {
         "at": {
          "type": "string",
          "format": "date-time",
          "description": "in the future, within 90 days"
         }
        }
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "the server with its scheduled shutdown",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Server"
        }
       }
      }
     },
     "400": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "422": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "409": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "502": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "503": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "504": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   },
   "delete": {
    "summary": "Cancel the server's scheduled shutdown (deployer)",
    "responses": {
     "204": {
      "description": "cancelled"
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/environments/{env}/servers/{server}/actions/{action}": {
   "parameters": [
    {
     "name": "env",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     },
     "description": "id or unique name"
    },
    {
     "name": "server",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     }
    },
    {
     "name": "action",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string",
      "enum": [
       "start",
       "stop",
       "restart"
      ]
     }
    }
   ],
   "post": {
    "summary": "Start, stop or restart a server (deployer); answers how it stands (it may still be pending or stopping)",
    "responses": {
     "202": {
      "description": "the server",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Server"
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "409": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "501": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "502": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "503": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "504": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/environments/{env}/servers/{server}/connection": {
   "parameters": [
    {
     "name": "env",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     },
     "description": "id or unique name"
    },
    {
     "name": "server",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     },
     "description": "the server's id, as the servers listing reports it"
    }
   ],
   "get": {
    "summary": "How to connect to one of the environment's servers (viewer): Session Manager commands on aws, none on simulated",
    "responses": {
     "200": {
      "description": "the commands to run on your own machine",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ServerConnection"
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "409": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "501": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "502": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "503": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "504": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/dead-letters": {
   "get": {
    "summary": "Messages no consumer could process, kept by the recorder until replayed or purged, newest first (admin)",
    "parameters": [
     {
      "name": "queue",
      "in": "query",
      "required": false,
      "schema": {
       "type": "string"
      },
      "description": "only those taken from this queue, e.g. hangar.steps"
     },
     {
      "name": "limit",
      "in": "query",
      "required": false,
      "schema": {
       "type": "integer",
       "minimum": 1,
       "maximum": 500,
       "default": 100
      }
     }
    ],
    "responses": {
     "200": {
      "description": "the dead letters",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "items"
         ],
         "properties": {
          "items": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/DeadLetter"
           }
          }
         }
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "422": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/dead-letters/{id}/replay": {
   "parameters": [
    {
     "name": "id",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     }
    }
   ],
   "post": {
    "summary": "Publish a dead letter's original message to its queue again, then forget it; one still bad comes back with its new reason (admin)",
    "responses": {
     "202": {
      "description": "the command was handed to the recorder (confirmed by the broker); the dead letter leaves the list once it is carried out",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/DeadLetterCommandAccepted"
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "503": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/dead-letters/{id}": {
   "parameters": [
    {
     "name": "id",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     }
    }
   ],
   "delete": {
    "summary": "Forget a dead letter without processing it (admin)",
    "responses": {
     "202": {
      "description": "the command was handed to the recorder (confirmed by the broker); the dead letter leaves the list once it is carried out",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/DeadLetterCommandAccepted"
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "503": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/workers": {
   "get": {
    "summary": "Each worker heard from in the last hour: its concurrency, the steps it runs, when it last said so (viewer)",
    "responses": {
     "200": {
      "description": "the workers, by name",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "items"
         ],
         "properties": {
          "items": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/Worker"
           }
          }
         }
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/audit": {
   "get": {
    "summary": "The audit log, newest first (admin): every write request through the API, its actor, action, target, request id and outcome",
    "parameters": [
     {
      "name": "actor",
      "in": "query",
      "required": false,
      "description": "the token name (unauthenticated for none)",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "environment",
      "in": "query",
      "required": false,
      "description": "as named in the paths",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "action",
      "in": "query",
      "required": false,
      "description": "e.g. deployment.submit",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "since",
      "in": "query",
      "required": false,
      "description": "RFC 3339",
      "schema": {
       "type": "string",
       "format": "date-time"
      }
     },
     {
      "name": "until",
      "in": "query",
      "required": false,
      "description": "RFC 3339, exclusive",
      "schema": {
       "type": "string",
       "format": "date-time"
      }
     },
     {
      "name": "limit",
      "in": "query",
      "required": false,
      "description": "entries a page (50)",
      "schema": {
       "type": "integer",
       "minimum": 1,
       "maximum": 500
      }
     },
     {
      "name": "cursor",
      "in": "query",
      "required": false,
      "description": "the nextCursor of the page before",
      "schema": {
       "type": "string",
       "format": "uuid"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "a page of entries",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "items"
         ],
         "properties": {
          "items": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/AuditEntry"
           }
          },
          "nextCursor": {
           "type": "string",
           "description": "present when a full page was answered: pass it as cursor for older entries"
          }
         }
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "422": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/freezes": {
   "get": {
    "summary": "Every freeze window, of every environment and of each (viewer)",
    "responses": {
     "200": {
      "description": "the windows",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "items"
         ],
         "properties": {
          "items": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/FreezeWindow"
           }
          }
         }
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   },
   "post": {
    "summary": "Freeze every environment (admin)",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/FreezeInput"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "the window",
      "headers": {
       "Location": {
        "schema": {
         "type": "string"
        }
       }
      },
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/FreezeWindow"
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "422": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "400": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/freezes/{id}": {
   "parameters": [
    {
     "name": "id",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     }
    }
   ],
   "delete": {
    "summary": "Delete a freeze window (admin)",
    "responses": {
     "204": {
      "description": "deleted"
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  },
  "/v1/environments/{env}/freezes": {
   "parameters": [
    {
     "name": "env",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     },
     "description": "id or unique name"
    }
   ],
   "get": {
    "summary": "The freeze windows that apply to the environment: its own and every environment's (viewer)",
    "responses": {
     "200": {
      "description": "the windows",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "items"
         ],
         "properties": {
          "items": {
           "type": "array",
           "items": {
            "$ref": "#/components/schemas/FreezeWindow"
           }
          }
         }
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   },
   "post": {
    "summary": "Freeze the environment (admin)",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/FreezeInput"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "the window",
      "headers": {
       "Location": {
        "schema": {
         "type": "string"
        }
       }
      },
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/FreezeWindow"
        }
       }
      }
     },
     "401": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "403": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "404": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "422": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     },
     "400": {
      "description": "Problem details",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      }
     }
    }
   }
  }
 }
}
"""#
}
