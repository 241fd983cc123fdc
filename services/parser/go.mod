module github.com/newsflow/newsflow/services/parser

go 1.26.8
