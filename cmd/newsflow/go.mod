module github.com/newsflow/newsflow/cmd/newsflow

go 1.26.8
