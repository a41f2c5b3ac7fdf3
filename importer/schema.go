package importer

// cellType is how a CSV cell is written into the JSON event: the JSON type
// the contract's schema gives the field of its column.
type cellType uint8

const (
	typeString  cellType = iota // a JSON string of the cell's text, as written
	typeBoolean                 // true / false (any case, as spreadsheets write TRUE)
	typeInteger                 // a JSON number, the cell's literal text
	typeNumber                  // a JSON number, the cell's literal text
	typeMoney                   // a JSON string of the cell's text: the decimal text kept exactly
	typeObject                  // a nested object: its members are columns of their own
)

func (t cellType) String() string {
	return [...]string{"string", "boolean", "integer", "number", "money", "object"}[t]
}

// fieldTypes gives the type of every field of both schemas
// (schema/service-record.v1.schema.json and schema/feedback.v1.schema.json),
// by dotted path. A field the schemas do not name is a string (transform
// ignores unknown fields). The binary cannot read schema/ (go:embed reaches
// no parent directory), so the table is written here and
// TestFieldTypesMatchSchemas derives it from the schema files: a field added
// to the contract fails that test until it is typed here.
var fieldTypes = map[string]cellType{
	// Both topics.
	"schema_version":   typeInteger, // const 1
	"event_id":         typeString,
	"event_type":       typeString,
	"occurred_at":      typeString,
	"request_id":       typeString,
	"contract_id":      typeString,
	"partner_id":       typeString,
	"customer":         typeObject,
	"customer.name":    typeString,
	"customer.phone":   typeString,
	"customer.address": typeString,
	"customer.email":   typeString,

	// Service records.
	"note":                  typeString,
	"channel":               typeString,
	"region":                typeString,
	"product":               typeObject,
	"product.serial":        typeString,
	"product.model":         typeString,
	"product.purchase_date": typeString,
	"technician":            typeObject,
	"technician.id":         typeString,
	"technician.certified":  typeBoolean,
	"visit_no":              typeInteger,
	"planned_follow_up":     typeBoolean,
	"part":                  typeObject,
	"part.line_id":          typeString,
	"part.part_no":          typeString,
	"part.quantity":         typeInteger,
	"part.from_stock":       typeBoolean,
	"pause_reason":          typeString,
	"resolution":            typeObject,
	"resolution.cause":      typeString,
	"resolution.warranty":   typeString,
	"resolution.parts_fee":  typeMoney,
	"resolution.labour_fee": typeMoney,
	"resolution.currency":   typeString,
	"reopen_reason":         typeString,

	// Feedback.
	"comment":            typeString,
	"survey":             typeObject,
	"survey.csat":        typeInteger,
	"survey.nps":         typeInteger,
	"survey.ces":         typeInteger,
	"complaint":          typeObject,
	"complaint.id":       typeString,
	"complaint.category": typeString,
	"complaint.severity": typeString,
}

// typeOf is the type of the field at path.
func typeOf(path string) cellType {
	if t, ok := fieldTypes[path]; ok {
		return t
	}
	return typeString
}
