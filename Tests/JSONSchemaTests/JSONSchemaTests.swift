import JSONSchema
