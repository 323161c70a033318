import JSONata
