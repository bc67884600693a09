module example.com/mailvault

go 1.19
