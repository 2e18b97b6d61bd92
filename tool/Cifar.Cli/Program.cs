using TorchSharp;
Console.WriteLine(torch.__version__);
var t = torch.ones(3, 3).matmul(torch.ones(3, 3));
Console.WriteLine(t.sum().item<float>());
