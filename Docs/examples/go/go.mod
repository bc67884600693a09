module example.com/mailvault-example

go 1.21
